# One cluster job's record for the fleet roll-up: the action's output `result` when it set one, else what the job's
# own state says (a step before the action failed, the job was cancelled before or during the action, the action
# ended without a result). Run by fleet/record/action.yml; tested by __tests__/fleet-roll-up.test.ts with the real jq.
# $cluster: matrix.cluster (JSON); $result: the action's `result` ("" when none); $job: toJSON(job);
# $fluxOutcome: steps.flux.outcome ("" when the step never ran); $mode, $planFor; $runUrl.
($cluster | fromjson) as $c
| ($job | fromjson? // {}) as $j
| {
    index: $c."fleet-index",
    cluster: {subscription: $c."subscription-id", resourceGroup: $c."resource-group", type: $c."cluster-type", name: $c."cluster-name"},
    environment: $c.environment,
    mode: $mode,
    planFor: (if $mode == "plan" then $planFor else null end),
    job: {
      status: ($j.status // null),
      url: (if $j.check_run_id then ($runUrl | sub("/attempts/[0-9]+$"; "")) + "/job/\($j.check_run_id)" else $runUrl end)
    }
  }
  + if $result != "" then ($result | fromjson | del(.cluster, .mode))
    elif $fluxOutcome == "cancelled" or $j.status == "cancelled" then
      {outcome: "cancelled", changed: null, headline: "cancelled before the action reported", error: {code: "cancelled", title: "Cancelled"}}
    elif $fluxOutcome == "" or $fluxOutcome == "skipped" then
      {outcome: "failed", changed: null, headline: "a step before the action failed",
       error: {code: "job-step-failed", title: "A step before the action failed (see the job log)"}}
    else
      {outcome: "failed", changed: null, headline: "the action ended without a result",
       error: {code: "no-result", title: "The action ended without a result (see the job log)"}}
    end
