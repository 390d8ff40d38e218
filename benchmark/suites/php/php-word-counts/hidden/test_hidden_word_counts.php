<?php
declare(strict_types=1);

require __DIR__ . '/counts.php';

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

check('case 1: ' . 'wordCounts("b a B c a b")', wordCounts("b a B c a b"), ["b" => 3, "a" => 2, "c" => 1]);
check('case 2: ' . 'wordCounts("   ")', wordCounts("   "), []);
check('case 3: ' . 'wordCounts("one\\ntwo\\tone")', wordCounts("one\ntwo\tone"), ["one" => 2, "two" => 1]);

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
