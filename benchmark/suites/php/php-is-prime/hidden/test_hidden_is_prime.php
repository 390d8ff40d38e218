<?php
declare(strict_types=1);

require __DIR__ . '/prime.php';

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

check('case 1: ' . 'isPrime(2)', isPrime(2), true);
check('case 2: ' . 'isPrime(3)', isPrime(3), true);
check('case 3: ' . 'isPrime(4)', isPrime(4), false);
check('case 4: ' . 'isPrime(1)', isPrime(1), false);
check('case 5: ' . 'isPrime(0)', isPrime(0), false);
check('case 6: ' . 'isPrime(-7)', isPrime(-7), false);
check('case 7: ' . 'isPrime(97)', isPrime(97), true);
check('case 8: ' . 'isPrime(91)', isPrime(91), false);
check('case 9: ' . 'isPrime(7919)', isPrime(7919), true);

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
