<?php
declare(strict_types=1);

require __DIR__ . '/Stack.php';

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

check('case 1: ' . '(new Stack())->isEmpty()', (new Stack())->isEmpty(), true);
check('case 2: ' . '(new Stack())->size()', (new Stack())->size(), 0);
throws('case 3', fn() => (new Stack())->pop(), UnderflowException::class);
throws('case 4', fn() => (new Stack())->peek(), UnderflowException::class);
$s = new Stack();
$s->push(1);
$s->push("two");
$s->push(3);
check('size after 3 pushes', $s->size(), 3);
check('peek', $s->peek(), 3);
check('pop', $s->pop(), 3);
check('pop again', $s->pop(), "two");
check('not empty', $s->isEmpty(), false);
check('last pop', $s->pop(), 1);
check('empty at the end', $s->isEmpty(), true);

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
