<?php
declare(strict_types=1);

require __DIR__ . '/chunksum.php';

$passed = 0;
$failed = 0;

function check(string $label, $got, $want): void
{
    global $passed, $failed;
    if ($got === $want) {
        $passed++;
    } else {
        $failed++;
        fwrite(STDERR, "FAIL $label: got " . var_export($got, true) . ", want " . var_export($want, true) . "\n");
    }
}

function throws(string $label, callable $fn, string $class): void
{
    global $passed, $failed;
    try {
        $fn();
        $failed++;
        fwrite(STDERR, "FAIL $label: no $class thrown\n");
    } catch (Throwable $e) {
        if ($e instanceof $class) {
            $passed++;
        } else {
            $failed++;
            fwrite(STDERR, "FAIL $label: " . get_class($e) . " thrown, want $class\n");
        }
    }
}

check('case 1: ' . 'chunkSums([1, 2, 3, 4, 5], 2)', chunkSums([1, 2, 3, 4, 5], 2), [3, 7, 5]);
check('case 2: ' . 'chunkSums([], 3)', chunkSums([], 3), []);
check('case 3: ' . 'chunkSums([4, 4, 4], 3)', chunkSums([4, 4, 4], 3), [12]);
throws('case 4', fn() => chunkSums([1], 0), InvalidArgumentException::class);

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
