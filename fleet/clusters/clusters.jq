# The fleet's clusters, one object per cluster with every input of the action as text: the workflow's inputs,
# overridden by the file's "defaults", overridden by the cluster's entry; plus "fleet-index", its place in the list.
# $inputs: the reusable workflow's inputs (toJSON(inputs)); $file: [] or [the clusters file's JSON] (--slurpfile).
# Run by fleet/clusters/action.yml; tested by __tests__/fleet-matrix.test.ts with the real jq.
def fail($message): error("clusters: " + $message);
def text: if type == "object" or type == "array" then tojson elif . == null then "" else . end;
def given: . != null and . != "";
def checked($allowed; $where):
  if type != "object" then fail("\($where) must be a JSON object, not \(type)") else . end
  | (keys - $allowed) as $unknown
  | if ($unknown | length) > 0
    then fail("\($where) has unknown key(s): \($unknown | join(", ")). Allowed: \($allowed | join(", "))")
    else . end;
($inputs | del(.clusters, ."clusters-file", ."max-parallel", ."runs-on", ."timeout-minutes", ."github-app-client-id", .mode, ."plan-for")) as $base
| ($base | keys) as $allowed
| ($file[0] // null) as $file
| if ($inputs."clusters-file" | given) and ($inputs.clusters | given)
  then fail("set either clusters or clusters-file, not both") else . end
| (if $file != null then
     (if ($file | type) == "array" then {defaults: {}, clusters: $file}
      elif ($file | type) == "object" then {defaults: ($file.defaults // {}), clusters: $file.clusters}
      else fail("the clusters file must hold a JSON list of clusters or {\"defaults\": {...}, \"clusters\": [...]}") end)
   elif ($inputs.clusters | given) then {defaults: {}, clusters: ($inputs.clusters | fromjson)}
   else {defaults: {}, clusters: [{}]} end) as $source
| ($source.defaults | checked($allowed; "defaults")) as $defaults
| if ($source.clusters | type) != "array" or ($source.clusters | length) == 0
  then fail("expected a non-empty JSON list of clusters") else . end
| [ $source.clusters | to_entries[] | .key as $i
    | (.value | checked($allowed; "cluster #\($i + 1)")) as $entry
    | ($base + $defaults + $entry | map_values(text)) as $cluster
    | (["environment", "subscription-id", "resource-group", "cluster-name", "client-id", "tenant-id"]
       | map(select(($cluster[.] | tostring) == ""))) as $missing
    | if ($missing | length) > 0
      then fail("cluster #\($i + 1) has no \($missing | join(", ")) (set it as an input, in defaults or in the entry)")
      else $cluster + {"fleet-index": $i} end ]
| (group_by([."subscription-id", ."resource-group", ."cluster-type", ."cluster-name"] | map(tostring | ascii_downcase))
   | map(select(length > 1) | .[0] | "\(."subscription-id")/\(."resource-group")/\(."cluster-name")")) as $twice
| if ($twice | length) > 0 then fail("listed more than once: \($twice | join(", "))") else . end
