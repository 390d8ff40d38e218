package collatz

import "testing"

func TestSteps(t *testing.T) {
	for n, want := range map[int]int{1: 0, 2: 1, 6: 8, 7: 16, 27: 111} {
		got, err := Steps(n)
		if err != nil || got != want {
			t.Errorf("Steps(%d) = %d, %v; want %d", n, got, err, want)
		}
	}
	for _, n := range []int{0, -5} {
		if _, err := Steps(n); err == nil {
			t.Errorf("Steps(%d) gave no error", n)
		}
	}
}
