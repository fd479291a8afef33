/**
 * The job a new `kairos dev` user sees in the list (README): created once, at the first start
 * of an empty data directory, through the Chronos API like any client would.
 */
export const EXAMPLE_JOB = { name: 'my_task', command: "/bin/echo 'Hello, World!'", schedule: '0 0 * * *' } as const;

/**
 * POSTs the example job to `baseUrl` (a replica or the gateway), retrying while the cluster is
 * still electing (503 or no answer) until `deadlineMs` passes. Resolves with the final status.
 */
export async function createExampleJob(baseUrl: string, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/scheduler/iso8601`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(EXAMPLE_JOB),
        signal: AbortSignal.timeout(5_000),
      });
      status = response.status;
      if (status < 500) return status;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return status;
}
