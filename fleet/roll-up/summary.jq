# The roll-up (roll-up.jq's value, the input) as the fleet's job summary: counts at the top, then failures, then
# changes (with plan: the drift), then unchanged. Raw output (jq -r). Tested by __tests__/fleet-roll-up.test.ts.
def icon: {succeeded: "✅", failed: "❌", planned: "📝", skipped: "⏭️", cancelled: "🛑", "not started": "⏸️"}[.outcome] // "❔";
def cell: tostring | gsub("\\|"; "\\|") | gsub("\r?\n"; " ");
def row: "| " + (map(cell) | join(" | ")) + " |";
def name: "\(.cluster.name) (\(.cluster.resourceGroup))";
def link: if .job.url then "[job](\(.job.url))" else "—" end;
def commit: if .syncedCommit then .syncedCommit | sub("(?<k>[0-9a-f]{7})[0-9a-f]{33,57}$"; "\(.k)") else "—" end;
def age: if . == null then "?" else "\(.) d" end;
def key:
  if (.removedKeys // []) | length > 0 then "\(.removedKeys | map(.ageDays | age) | join(", ")) → \(if .key then .key.ageDays | age else "none" end)"
  elif .key then "\(.key.fingerprint // "" | .[0:15])… \(.key.ageDays | age)"
  else "—" end;
def versions: [(.extensionVersion // empty), (if .fluxVersion then "Flux \(.fluxVersion)" else empty end)] | if length == 0 then "—" else join(" · ") end;
def what: if (.changes // []) | length > 0 then .changes | join("; ") else .headline // "" end;
def seconds: if .durationSeconds == null then "—" else "\(.durationSeconds) s" end;
def detail($header): [
    (["Cluster", "", $header, "Synced commit", "Compliance", (if .mode == "rotate" then "Key age before → after" else "Deploy key" end), "Extension · Flux", "Time", "Job"] | row),
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  ];
. as $r
| ($r.mode == "plan") as $plan
| ($r.clusters | map(select(.outcome == "failed" or .outcome == "cancelled" or .outcome == "not started"))) as $bad
| ($r.clusters | map(select((.outcome | IN("failed", "cancelled", "not started") | not) and .changed == true))) as $changed
| ($r.clusters | map(select((.outcome | IN("failed", "cancelled", "not started") | not) and .changed != true))) as $same
| (if $r.totals.failed > 0 then "❌" elif ($r.totals.cancelled + $r.totals.notStarted) > 0 then "🛑" elif $plan then "📝" else "✅" end) as $head
| ($r.mode + (if $plan then " of \($r.planFor)" else "" end)) as $verb
| [
    "## \($head) Flux fleet \($verb): \($r.totals.clusters) cluster(s)",
    "",
    "| ❌ failed | 🛑 cancelled | ⏸️ not started | \(if $plan then "📝 would change" else "✏️ changed" end) | ✅ unchanged |",
    "| --- | --- | --- | --- | --- |",
    "| \($r.totals.failed) | \($r.totals.cancelled) | \($r.totals.notStarted) | \($r.totals.changed) | \($r.totals.unchanged) |",
    "",
    (if ($bad | length) > 0 then
       "### Failed, cancelled or not run (\($bad | length))", "",
       (["Cluster", "", "What went wrong", "Job"] | row), "| --- | --- | --- | --- |",
       ($bad[] | [name, "\(icon) \(.outcome)", (if .error then "\(.error.title) (`\(.error.code)`)" else .headline end), link] | row),
       ""
     else empty end),
    (if ($changed | length) > 0 then
       "### \(if $plan then "Would change: drift" else "Changed" end) (\($changed | length))", "",
       ($changed[0] | detail(if $plan then "Would change" else "What changed" end)[]),
       ($changed[] | [name, icon, what, commit, .complianceState // "—", key, versions, seconds, link] | row),
       ""
     else empty end),
    (if ($same | length) > 0 then
       "### Unchanged (\($same | length))", "",
       (if ($same | length) > 20 then "<details><summary>\($same | length) clusters</summary>\n" else empty end),
       ($same[0] | detail("Result")[]),
       ($same[] | [name, icon, .headline // "", commit, .complianceState // "—", key, versions, seconds, link] | row),
       (if ($same | length) > 20 then "\n</details>" else empty end),
       ""
     else empty end),
    "The whole roll-up as JSON: the run's artifact `aks-flux-bootstrap-roll-up` ([run](\($r.run)))."
  ]
| join("\n")
