// The one switch every write passes. When the runner cancels the step (SIGINT, then SIGTERM 7.5 s later, then
// SIGKILL 2.5 s after that: actions/runner src/Runner.Sdk/ProcessInvoker.cs), the gate closes: reads go on, but no
// new write to GitHub or Azure starts, so the clean-up sees a world that no longer moves under it.

/** A write refused because the run was cancelled. */
export class RunCancelled extends Error {
  constructor(method: string, target: string, reason: string) {
    super(`Not sent: ${method} ${target} (${reason}).`);
    this.name = "RunCancelled";
  }
}

export class WriteGate {
  #reason: string | undefined;
  /** Writes let through to Azure so far: tells a write that was sent from one the gate refused. */
  armWritesSent = 0;

  get closed(): boolean {
    return this.#reason !== undefined;
  }

  close(reason: string): void {
    this.#reason ??= reason;
  }

  /** Throws RunCancelled for a write (anything but GET/HEAD) once the gate is closed. */
  check(method: string, target: string, service: "github" | "arm"): void {
    const verb = method.toUpperCase();
    if (verb === "GET" || verb === "HEAD") return;
    if (this.#reason !== undefined) throw new RunCancelled(verb, target, this.#reason);
    if (service === "arm") this.armWritesSent += 1;
  }
}
