<?php
declare(strict_types=1);

require __DIR__ . '/positive.php';

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

check('case 1: ' . 'sumPositive([3, -1, 4, 0, -5])', sumPositive([3, -1, 4, 0, -5]), 7);
check('case 2: ' . 'sumPositive([])', sumPositive([]), 0);
check('case 3: ' . 'sumPositive([-2, -3])', sumPositive([-2, -3]), 0);
check('case 4: ' . 'sumPositive([10])', sumPositive([10]), 10);

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
