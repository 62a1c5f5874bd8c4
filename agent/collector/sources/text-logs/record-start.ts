// recordStartTimestampFormat (docs/dcr-support.md, text logs) → anchored regex: a line matching it starts a new record.
// Table-tested in test/unit/collector/sources/text-logs/record-start.test.ts.
export const RECORD_START: Record<string, RegExp> = {
  'ISO 8601': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/,
  'YYYY-MM-DD HH:MM:SS': /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/,
  'M/D/YYYY HH:MM:SS AM/PM': /^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M/,
  'Mon DD, YYYY HH:MM:SS': /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2}/,
  // MySQL 5.x pads the hour with a space ("160208  9:04:40"); month and day ranges tell the two apart.
  'yyMMdd HH:mm:ss': /^\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]) {1,2}\d{1,2}:\d{2}:\d{2}/,
  'ddMMyy HH:mm:ss': /^(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2} {1,2}\d{1,2}:\d{2}:\d{2}/,
  'MMM d hh:mm:ss': /^[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}/,
  'dd/MMM/yyyy:HH:mm:ss zzz': /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}/,
  'yyyy-MM-ddTHH:mm:ssK': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})/,
};
