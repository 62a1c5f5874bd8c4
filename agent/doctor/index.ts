// Public surface of agent/doctor (docs/troubleshooting.md): the command both front ends run, and the
// report model for callers that want the checks themselves.
export { doctorCommand, wantsColor, type DoctorOptions, type DoctorIo } from './command.js';
export { runDoctor, type DoctorRun } from './run.js';
export { exitCodeOf, renderHuman, renderJson, type CheckResult, type DoctorReport, type Verdict } from './report.js';
