package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	total := 0
	for _, arg := range os.Args[1:] {
		n, err := strconv.Atoi(arg)
		if err != nil {
			fmt.Fprintf(os.Stderr, "error: not an integer: %s\n", arg)
			os.Exit(1)
		}
		total += n
	}
	fmt.Println(total)
}
