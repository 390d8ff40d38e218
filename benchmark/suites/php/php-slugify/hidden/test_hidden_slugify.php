<?php
declare(strict_types=1);

require __DIR__ . '/slug.php';

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

check('case 1: ' . 'slugify("Hello, World! 2024")', slugify("Hello, World! 2024"), "hello-world-2024");
check('case 2: ' . 'slugify("  --  ")', slugify("  --  "), "");
check('case 3: ' . 'slugify("PHP")', slugify("PHP"), "php");
check('case 4: ' . 'slugify("a__b  c")', slugify("a__b  c"), "a-b-c");
check('case 5: ' . 'slugify("Ünïcode ok")', slugify("Ünïcode ok"), "n-code-ok");

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
