package numbers

import "testing"

func TestGCDLCM(t *testing.T) {
	cases := []struct{ a, b, gcd, lcm int }{{12, 18, 6, 36}, {4, 6, 2, 12}, {7, 13, 1, 91}, {5, 5, 5, 5}, {1, 9, 1, 9}}
	for _, c := range cases {
		if got := GCD(c.a, c.b); got != c.gcd {
			t.Errorf("GCD(%d, %d) = %d, want %d", c.a, c.b, got, c.gcd)
		}
		if got := LCM(c.a, c.b); got != c.lcm {
			t.Errorf("LCM(%d, %d) = %d, want %d", c.a, c.b, got, c.lcm)
		}
	}
}
