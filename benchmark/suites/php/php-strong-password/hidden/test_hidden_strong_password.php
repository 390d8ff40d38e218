<?php
declare(strict_types=1);

require __DIR__ . '/password.php';

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

check('case 1: ' . 'isStrongPassword("Abcdefg1")', isStrongPassword("Abcdefg1"), true);
check('case 2: ' . 'isStrongPassword("Abcdef1")', isStrongPassword("Abcdef1"), false);
check('case 3: ' . 'isStrongPassword("abcdefg1")', isStrongPassword("abcdefg1"), false);
check('case 4: ' . 'isStrongPassword("ABCDEFG1")', isStrongPassword("ABCDEFG1"), false);
check('case 5: ' . 'isStrongPassword("Abcdefgh")', isStrongPassword("Abcdefgh"), false);
check('case 6: ' . 'isStrongPassword("pass Word 99!")', isStrongPassword("pass Word 99!"), true);

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
