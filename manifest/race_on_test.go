//go:build race

package manifest

// raceEnabled is set when the tests run under the race detector, under
// which decompressing a gigabyte takes tens of seconds rather than one.
const raceEnabled = true
