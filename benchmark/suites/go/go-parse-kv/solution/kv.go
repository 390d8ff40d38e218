package kv

import (
	"fmt"
	"strings"
)

func Parse(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, pair := range strings.Split(s, ",") {
		key, value, ok := strings.Cut(pair, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, fmt.Errorf("bad pair %q", pair)
		}
		out[key] = strings.TrimSpace(value)
	}
	return out, nil
}
