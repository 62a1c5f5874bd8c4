// Former entry point, kept for existing callers: parseSyslog(line) is parseMessage (parse-message.ts).
export { FACILITIES, SEVERITIES, DCR_LEVELS } from './names.js';
export { parseMessage as parseSyslog, type ParsedMessage as ParsedSyslog } from './parse-message.js';
