/** A command that cannot go on, for a reason its message tells the user; exit code 1. */
export class Failure extends Error {}
