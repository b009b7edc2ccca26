# The fleet as one value: every cluster of the list with its record, or "not started" where no record came back;
# failures first (failed, cancelled, not started), then changes, then unchanged; counts; and whether any failed or
# changed (the workflow's outputs). Run by fleet/roll-up/action.yml; tested by __tests__/fleet-roll-up.test.ts.
# $clusters: [the fleet's list], $records: [the records, a JSON list] (both --slurpfile); $mode, $planFor, $runUrl.
def ok: .outcome == "succeeded" or .outcome == "planned" or .outcome == "skipped";
def rank:
  if .outcome == "failed" then 0 elif .outcome == "cancelled" then 1 elif .outcome == "not started" then 2
  elif .changed == true then 3 else 4 end;
def count(f): map(select(f)) | length;
($records[0] | map({key: (.index | tostring), value: .}) | from_entries) as $byIndex
| [ $clusters[0][] | . as $c
    | $byIndex[$c."fleet-index" | tostring] // {
        index: $c."fleet-index",
        cluster: {subscription: $c."subscription-id", resourceGroup: $c."resource-group", type: $c."cluster-type", name: $c."cluster-name"},
        environment: $c.environment,
        mode: $mode,
        planFor: (if $mode == "plan" then $planFor else null end),
        outcome: "not started",
        changed: null,
        headline: "no record: the job never started (the run was cancelled first, or its matrix did not run) or its runner was lost",
        job: {status: null, url: $runUrl}
      } ] as $all
| {
    mode: $mode,
    planFor: (if $mode == "plan" then $planFor else null end),
    run: $runUrl,
    totals: {
      clusters: ($all | length),
      failed: ($all | count(.outcome == "failed")),
      cancelled: ($all | count(.outcome == "cancelled")),
      notStarted: ($all | count(.outcome == "not started")),
      changed: ($all | count(ok and .changed == true)),
      unchanged: ($all | count(ok and .changed != true))
    },
    failed: ($all | any(ok | not)),
    changed: ($all | any(.changed == true)),
    clusters: ($all | sort_by(rank, .index))
  }
