<?php
declare(strict_types=1);

require __DIR__ . '/pluck.php';

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

check('case 1: ' . 'pluck([["id" => 1], ["name" => "x"], ["id" => 3]], "id")', pluck([["id" => 1], ["name" => "x"], ["id" => 3]], "id"), [1, 3]);
check('case 2: ' . 'pluck([], "id")', pluck([], "id"), []);
check('case 3: ' . 'pluck([["a" => null], ["a" => "v"]], "a")', pluck([["a" => null], ["a" => "v"]], "a"), [null, "v"]);

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
