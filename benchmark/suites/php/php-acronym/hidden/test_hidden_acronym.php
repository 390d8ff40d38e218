<?php
declare(strict_types=1);

require __DIR__ . '/acronym.php';

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

check('case 1: ' . 'acronym("Portable Network Graphics")', acronym("Portable Network Graphics"), "PNG");
check('case 2: ' . 'acronym("read-only memory")', acronym("read-only memory"), "ROM");
check('case 3: ' . 'acronym("")', acronym(""), "");
check('case 4: ' . 'acronym("as  soon as possible")', acronym("as  soon as possible"), "ASAP");

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
