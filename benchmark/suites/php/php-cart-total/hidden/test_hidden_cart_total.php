<?php
declare(strict_types=1);

require __DIR__ . '/cart.php';

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

check('case 1: ' . 'cartTotal([["price" => 1.25, "qty" => 4], ["price" => 0.1, "qty" => 3]])', cartTotal([["price" => 1.25, "qty" => 4], ["price" => 0.1, "qty" => 3]]), 5.3);
check('case 2: ' . 'cartTotal([])', cartTotal([]), 0.0);
check('case 3: ' . 'cartTotal([["price" => 10, "qty" => 0]])', cartTotal([["price" => 10, "qty" => 0]]), 0.0);
throws('case 4', fn() => cartTotal([["price" => 1, "qty" => -1]]), InvalidArgumentException::class);

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
