<?php
declare(strict_types=1);

require __DIR__ . '/mask.php';

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

check('case 1: ' . 'maskEmail("john.smith@example.com")', maskEmail("john.smith@example.com"), "j***@example.com");
check('case 2: ' . 'maskEmail("a@b.io")', maskEmail("a@b.io"), "a***@b.io");
throws('case 3', fn() => maskEmail("nobody"), InvalidArgumentException::class);
throws('case 4', fn() => maskEmail("@x.com"), InvalidArgumentException::class);
throws('case 5', fn() => maskEmail("a@b@c"), InvalidArgumentException::class);

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
