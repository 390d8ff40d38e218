package temperature

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestConversions(t *testing.T) {
	if !near(CToF(100), 212) || !near(CToF(-40), -40) || !near(CToF(37), 98.6) {
		t.Error("CToF is wrong")
	}
	if !near(FToC(32), 0) || !near(FToC(212), 100) || !near(FToC(50), 10) {
		t.Error("FToC is wrong")
	}
}
