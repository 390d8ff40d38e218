<?php
declare(strict_types=1);

require __DIR__ . '/mirror.php';

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

check('case 1: ' . 'mirrorWords("hello world")', mirrorWords("hello world"), "olleh dlrow");
check('case 2: ' . 'mirrorWords("")', mirrorWords(""), "");
check('case 3: ' . 'mirrorWords("abc")', mirrorWords("abc"), "cba");
check('case 4: ' . 'mirrorWords("a bc  def")', mirrorWords("a bc  def"), "a cb  fed");

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
