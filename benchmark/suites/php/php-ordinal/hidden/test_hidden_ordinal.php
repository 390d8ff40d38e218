<?php
declare(strict_types=1);

require __DIR__ . '/ordinal.php';

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

check('case 1: ' . 'ordinal(1)', ordinal(1), "1st");
check('case 2: ' . 'ordinal(2)', ordinal(2), "2nd");
check('case 3: ' . 'ordinal(3)', ordinal(3), "3rd");
check('case 4: ' . 'ordinal(4)', ordinal(4), "4th");
check('case 5: ' . 'ordinal(11)', ordinal(11), "11th");
check('case 6: ' . 'ordinal(12)', ordinal(12), "12th");
check('case 7: ' . 'ordinal(13)', ordinal(13), "13th");
check('case 8: ' . 'ordinal(21)', ordinal(21), "21st");
check('case 9: ' . 'ordinal(102)', ordinal(102), "102nd");
check('case 10: ' . 'ordinal(111)', ordinal(111), "111th");

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
