package leap

import "testing"

func TestLeapYears(t *testing.T) {
	cases := map[int]bool{1996: true, 1997: false, 1900: false, 2000: true}
	for year, want := range cases {
		if got := IsLeapYear(year); got != want {
			t.Errorf("IsLeapYear(%d) = %v, want %v", year, got, want)
		}
	}
}
