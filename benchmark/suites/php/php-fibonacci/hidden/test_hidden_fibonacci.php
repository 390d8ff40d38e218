<?php
declare(strict_types=1);

require __DIR__ . '/fib.php';

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

check('case 1: ' . 'fibonacci(6)', fibonacci(6), [0, 1, 1, 2, 3, 5]);
check('case 2: ' . 'fibonacci(0)', fibonacci(0), []);
check('case 3: ' . 'fibonacci(1)', fibonacci(1), [0]);
check('case 4: ' . 'fibonacci(10)[9]', fibonacci(10)[9], 34);
throws('case 5', fn() => fibonacci(-1), InvalidArgumentException::class);

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
