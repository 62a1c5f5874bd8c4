// What the standalone shim refuses or cannot do, with the reason for the operator (exit 1).
export class StandaloneError extends Error {}
