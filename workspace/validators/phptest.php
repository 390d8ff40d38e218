<?php
// A plain-PHP test runner, for trees without phpunit: `php phptest.php FILE...`.
// Test files are written as for PHPUnit (class FooTest extends PHPUnit\Framework\TestCase,
// public test* methods, $this->assertSame(...)); when the project's vendor/ has the real
// TestCase it is used, else the small one below. Plain functions named test_* run too.
// One line per test ("ok" / "not ok - NAME: why (file:line)"), then a summary; exit 1 on a failure.

namespace PHPUnit\Framework {
    if (!class_exists(AssertionFailedError::class, false)) {
        class AssertionFailedError extends \Exception {}
    }
    if (!class_exists(TestCase::class, false) && !(is_file('vendor/autoload.php') && (require_once 'vendor/autoload.php') && class_exists(TestCase::class))) {
        abstract class TestCase {
            private $expected = null;
            public function __construct($name = '') {}
            protected function setUp(): void {}
            protected function tearDown(): void {}
            public function crewmuxRun(string $method): void {
                $this->setUp();
                try {
                    try {
                        $this->$method();
                    } catch (\Throwable $e) {
                        if ($this->expected !== null && $e instanceof $this->expected) { $this->expected = null; return; }
                        throw $e;
                    }
                    if ($this->expected !== null) { self::fail("expected exception {$this->expected}, none thrown"); }
                } finally {
                    $this->tearDown();
                }
            }
            public function expectException(string $class): void { $this->expected = $class; }
            private static function show($v): string { return var_export($v, true); }
            public static function fail(string $message = ''): void { throw new AssertionFailedError($message ?: 'failed'); }
            private static function check(bool $ok, string $what, string $message): void {
                if (!$ok) { self::fail(($message !== '' ? "$message: " : '') . $what); }
            }
            public static function assertTrue($c, string $m = ''): void { self::check($c === true, 'expected true, got ' . self::show($c), $m); }
            public static function assertFalse($c, string $m = ''): void { self::check($c === false, 'expected false, got ' . self::show($c), $m); }
            public static function assertNull($c, string $m = ''): void { self::check($c === null, 'expected null, got ' . self::show($c), $m); }
            public static function assertNotNull($c, string $m = ''): void { self::check($c !== null, 'expected not null', $m); }
            public static function assertSame($e, $a, string $m = ''): void { self::check($e === $a, 'expected ' . self::show($e) . ', got ' . self::show($a), $m); }
            public static function assertNotSame($e, $a, string $m = ''): void { self::check($e !== $a, 'expected anything but ' . self::show($e), $m); }
            public static function assertEquals($e, $a, string $m = ''): void { self::check($e == $a, 'expected ' . self::show($e) . ', got ' . self::show($a), $m); }
            public static function assertNotEquals($e, $a, string $m = ''): void { self::check($e != $a, 'expected anything but ' . self::show($e), $m); }
            public static function assertCount(int $n, $a, string $m = ''): void { self::check(count($a) === $n, "expected $n items, got " . count($a), $m); }
            public static function assertEmpty($a, string $m = ''): void { self::check(empty($a), 'expected empty, got ' . self::show($a), $m); }
            public static function assertNotEmpty($a, string $m = ''): void { self::check(!empty($a), 'expected not empty', $m); }
            public static function assertContains($n, $h, string $m = ''): void { self::check(in_array($n, is_array($h) ? $h : iterator_to_array($h), true), self::show($n) . ' not in ' . self::show($h), $m); }
            public static function assertStringContainsString(string $n, string $h, string $m = ''): void { self::check(strpos($h, $n) !== false, self::show($n) . ' not in ' . self::show($h), $m); }
            public static function assertArrayHasKey($k, $a, string $m = ''): void { self::check(array_key_exists($k, $a), 'no key ' . self::show($k), $m); }
            public static function assertInstanceOf(string $c, $o, string $m = ''): void { self::check($o instanceof $c, "expected an instance of $c", $m); }
            public static function assertGreaterThan($e, $a, string $m = ''): void { self::check($a > $e, self::show($a) . ' is not greater than ' . self::show($e), $m); }
            public static function assertLessThan($e, $a, string $m = ''): void { self::check($a < $e, self::show($a) . ' is not less than ' . self::show($e), $m); }
            public static function assertEqualsWithDelta($e, $a, float $d, string $m = ''): void { self::check(abs($e - $a) <= $d, 'expected ' . self::show($e) . ' +- ' . $d . ', got ' . self::show($a), $m); }
        }
    }
}

namespace {
    function crewmux_where(\Throwable $e, array $files): string {
        foreach (array_merge([['file' => $e->getFile(), 'line' => $e->getLine()]], $e->getTrace()) as $frame) {
            $file = $frame['file'] ?? '';
            foreach ($files as $f) {
                if ($file !== '' && realpath($f) === realpath($file)) { return "$f:" . ($frame['line'] ?? 0); }
            }
        }
        return basename($e->getFile()) . ':' . $e->getLine();
    }

    $files = array_slice($argv, 1);
    $passed = 0;
    $failed = 0;
    foreach ($files as $file) {
        $classesBefore = get_declared_classes();
        $functionsBefore = get_defined_functions()['user'];
        require_once $file;
        $cases = [];
        foreach (array_diff(get_declared_classes(), $classesBefore) as $class) {
            $ref = new ReflectionClass($class);
            if ($ref->isAbstract() || !$ref->isSubclassOf(\PHPUnit\Framework\TestCase::class)) { continue; }
            foreach ($ref->getMethods(ReflectionMethod::IS_PUBLIC) as $method) {
                if (str_starts_with($method->getName(), 'test') && $method->getDeclaringClass()->getName() === $class) {
                    $cases[] = ["$class::" . $method->getName(), function () use ($class, $method) {
                        $case = new $class($method->getName());
                        if (method_exists($case, 'crewmuxRun')) { $case->crewmuxRun($method->getName()); }
                        else { $case->{$method->getName()}(); }
                    }];
                }
            }
        }
        foreach (array_diff(get_defined_functions()['user'], $functionsBefore) as $function) {
            if (str_starts_with($function, 'test_')) { $cases[] = [$function, $function]; }
        }
        foreach ($cases as [$name, $run]) {
            try {
                $run();
                $passed++;
                echo "ok - $name\n";
            } catch (\Throwable $e) {
                $failed++;
                $kind = $e instanceof \PHPUnit\Framework\AssertionFailedError ? 'assertion failed' : get_class($e);
                echo "not ok - $name: $kind: " . $e->getMessage() . ' (' . crewmux_where($e, $files) . ")\n";
            }
        }
    }
    $total = $passed + $failed;
    echo "$total tests, $passed passed, $failed failed\n";
    exit($failed > 0 ? 1 : ($total === 0 ? 5 : 0));
}
