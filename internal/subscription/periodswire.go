package subscription

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// The wire form of subscription.periods_started. The periods of a batch
// mostly share their prices and their channel chain (one plan, one
// customer's channel): written once each in the event's "shared" list and
// referred to from the periods by position (1 is the first), they take a
// third of the bytes that the database stores and billing decodes, and
// billing decodes each shared value once.
//
//	{"periods": [{"subscription_id": "sub_1", ..., "prices_ref": 1, "chain_ref": 2}, ...],
//	 "shared": [{"currency": "EUR", ...}, [[{"org_id": ...}]]]}
//
// A period without references (an event written before them) carries its
// prices and chain itself.

type periodsWire struct {
	Periods []periodWire      `json:"periods"`
	Shared  []json.RawMessage `json:"shared,omitempty"`
}

type periodWire struct {
	PeriodEvent
	// PricesRef and ChainRef are 1 + the position in Shared of the
	// period's Rating.Prices and Chain (0: in the period itself).
	PricesRef int `json:"prices_ref,omitempty"`
	ChainRef  int `json:"chain_ref,omitempty"`
}

// MarshalJSON writes ps with its prices and chains shared.
func (ps PeriodsStarted) MarshalJSON() ([]byte, error) {
	w := periodsWire{Periods: make([]periodWire, len(ps.Periods))}
	at := map[string]int{}
	share := func(v any) (int, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		if i, ok := at[string(b)]; ok {
			return i, nil
		}
		w.Shared = append(w.Shared, b)
		at[string(b)] = len(w.Shared)
		return len(w.Shared), nil
	}
	var err error
	for i, p := range ps.Periods {
		pw := periodWire{PeriodEvent: p}
		if !reflect.ValueOf(p.Rating.Prices).IsZero() {
			if pw.PricesRef, err = share(p.Rating.Prices); err != nil {
				return nil, err
			}
			pw.Rating.Prices = pricing.PlanPrices{}
		}
		if len(p.Chain) > 0 {
			if pw.ChainRef, err = share(p.Chain); err != nil {
				return nil, err
			}
			pw.Chain = nil
		}
		w.Periods[i] = pw
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads ps, shared values or not. Periods that shared a
// value share its decoded copy: read them, never change them.
func (ps *PeriodsStarted) UnmarshalJSON(data []byte) error {
	var w periodsWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	prices := map[int]pricing.PlanPrices{}
	chains := map[int][][]channel.Level{}
	out := make([]PeriodEvent, len(w.Periods))
	for i, pw := range w.Periods {
		p := pw.PeriodEvent
		if r := pw.PricesRef; r > 0 {
			v, err := sharedValue(w.Shared, r, prices)
			if err != nil {
				return fmt.Errorf("period %d's prices: %w", i, err)
			}
			p.Rating.Prices = v
		}
		if r := pw.ChainRef; r > 0 {
			v, err := sharedValue(w.Shared, r, chains)
			if err != nil {
				return fmt.Errorf("period %d's chain: %w", i, err)
			}
			p.Chain = v
		}
		out[i] = p
	}
	ps.Periods = out
	return nil
}

// sharedValue decodes shared value ref (1-based) once, remembered in seen.
func sharedValue[T any](shared []json.RawMessage, ref int, seen map[int]T) (T, error) {
	if v, ok := seen[ref]; ok {
		return v, nil
	}
	var v T
	if ref > len(shared) {
		return v, fmt.Errorf("reference %d beyond the %d shared values", ref, len(shared))
	}
	if err := json.Unmarshal(shared[ref-1], &v); err != nil {
		return v, err
	}
	seen[ref] = v
	return v, nil
}
