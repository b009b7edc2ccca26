# The fleet's clusters (clusters.jq's list, the input) split into up to 4 matrices, since a matrix holds at most 256
# jobs ("A matrix will generate a maximum of 256 jobs per workflow run. This limit applies to both GitHub-hosted and
# self-hosted runners.": https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstrategymatrix).
# Parts are contiguous and as even as can be; $maxParallel (the workflow's max-parallel) is shared out among the parts
# so that all of them together run at most max-parallel clusters at once (each part at least one).
# Out: {count, parts, "part-1".."part-4" (lists, [] when unused), "max-parallel-1".."max-parallel-4"}.
def ceil_div($a; $b): (($a + $b - 1) / $b) | floor;
length as $count
| if $count > 1024 then error("clusters: at most 1,024 clusters per run (4 matrices of 256, GitHub's limit per matrix); this run lists \($count). Split the clusters file.") else . end
| ceil_div($count; 256) as $parts
| ($maxParallel | if . < 1 then 1 else floor end) as $max
| . as $all
| [range(0; 4) as $p
   | if $p < $parts
     then {list: $all[(($p * $count / $parts) | floor):((($p + 1) * $count / $parts) | floor)],
           share: ([1, (($max / $parts) | floor) + (if $p < ($max % $parts) then 1 else 0 end)] | max)}
     else {list: [], share: 1} end] as $split
| {count: $count, parts: $parts}
  + ([range(0; 4) as $p | {key: "part-\($p + 1)", value: $split[$p].list}] | from_entries)
  + ([range(0; 4) as $p | {key: "max-parallel-\($p + 1)", value: $split[$p].share}] | from_entries)
