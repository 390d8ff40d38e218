<?php
declare(strict_types=1);

require __DIR__ . '/longest.php';

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

check('case 1: ' . 'longestWord("I love PHP, really!")', longestWord("I love PHP, really!"), "really");
check('case 2: ' . 'longestWord("")', longestWord(""), "");
check('case 3: ' . 'longestWord("123 !!")', longestWord("123 !!"), "");
check('case 4: ' . 'longestWord("cat dog")', longestWord("cat dog"), "cat");
check('case 5: ' . 'longestWord("well-known")', longestWord("well-known"), "known");

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
