<?php

[$script, $path, $column] = $argv;
$handle = fopen($path, 'r');
$header = fgetcsv($handle);
$index = array_search($column, $header, true);
if ($index === false) {
    fwrite(STDERR, "error: no column $column\n");
    exit(1);
}
$rows = 0;
$counts = [];
while (($row = fgetcsv($handle)) !== false) {
    if ($row === [null]) {
        continue;
    }
    $rows++;
    $value = $row[$index];
    $counts[$value] = ($counts[$value] ?? 0) + 1;
}
ksort($counts, SORT_STRING);
echo "rows: $rows\n";
foreach ($counts as $value => $count) {
    echo "$value: $count\n";
}
