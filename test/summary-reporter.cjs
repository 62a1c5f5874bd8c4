// Prints the plain closing line "N passed, N failed, N skipped" that CI reads after Jest's own summary, and
// before it the suites skipped for a missing OS package, each with the package that would run it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest loads this reporter as CommonJS
const fs = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const log = process.env.OPEN_AMA_TEST_SKIP_LOG;
    let lines = [];
    try {
      lines = [...new Set(fs.readFileSync(log, 'utf8').split('\n').filter(Boolean))];
      fs.rmSync(log, { force: true });
    } catch {
      // no suite was skipped for a missing package (the log is created on the first skip)
    }
    if (lines.length > 0) {
      process.stdout.write(
        `\nsuites skipped because an OS package is missing (CI sets OPEN_AMA_TEST_REQUIRE_ALL=1):\n`,
      );
      for (const l of lines) process.stdout.write(`  ${l}\n`);
    }
    process.stdout.write(
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
