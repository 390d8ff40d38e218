package kv

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	got, err := Parse("a=1,b=two")
	if err != nil || !reflect.DeepEqual(got, map[string]string{"a": "1", "b": "two"}) {
		t.Errorf("got %v, %v", got, err)
	}
	got, err = Parse(" x = y , z= ")
	if err != nil || !reflect.DeepEqual(got, map[string]string{"x": "y", "z": ""}) {
		t.Errorf("got %v, %v", got, err)
	}
	got, err = Parse("")
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("Parse(\"\") = %v, %v", got, err)
	}
	for _, bad := range []string{"a=1,b", "=3"} {
		if got, err := Parse(bad); err == nil || got != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil and an error", bad, got, err)
		}
	}
}
