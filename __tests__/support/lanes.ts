// Runs jobs on a few independent lanes (one local cloud each), a job at a time per lane, until all are done.
export async function inLanes<L, J, R>(lanes: readonly L[], jobs: readonly J[], run: (lane: L, job: J) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    lanes.map(async (lane) => {
      while (next < jobs.length) {
        const job = jobs[next] as J;
        next += 1;
        results.push(await run(lane, job));
      }
    }),
  );
  return results;
}
