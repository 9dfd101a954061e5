//go:build race

package billing

// raceDetector is set when the tests run under the race detector, which
// makes property tests ten times slower: they draw fewer cases.
const raceDetector = true
