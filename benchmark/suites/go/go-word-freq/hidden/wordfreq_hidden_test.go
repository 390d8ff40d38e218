package wordfreq

import (
	"reflect"
	"testing"
)

func TestCount(t *testing.T) {
	if got := Count("Go go GO stop"); !reflect.DeepEqual(got, map[string]int{"go": 3, "stop": 1}) {
		t.Errorf("got %v", got)
	}
	if got := Count("  a\tb\na  "); !reflect.DeepEqual(got, map[string]int{"a": 2, "b": 1}) {
		t.Errorf("got %v", got)
	}
	if got := Count(""); got == nil || len(got) != 0 {
		t.Errorf("Count(\"\") = %#v, want an empty map", got)
	}
}
