package capitalize

import (
	"strings"
	"unicode"
)

func Words(s string) string {
	parts := strings.Split(s, " ")
	for i, p := range parts {
		r := []rune(p)
		if len(r) > 0 {
			r[0] = unicode.ToUpper(r[0])
			parts[i] = string(r)
		}
	}
	return strings.Join(parts, " ")
}
