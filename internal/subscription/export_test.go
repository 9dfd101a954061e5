package subscription

import (
	"context"

	"github.com/nephele-cloud/nephele/internal/identity"
)

// MoveForTest moves a subscription's provisioning status through the state
// machine, for the test of every transition.
func (s *Service) MoveForTest(ctx context.Context, id, to string) error {
	return s.db.InTx(identity.AsSystem(ctx), func(ctx context.Context) error {
		sub, err := s.load(ctx, id)
		if err != nil {
			return err
		}
		if err := s.move(ctx, &sub, to, "test"); err != nil {
			return err
		}
		return s.save(ctx, &sub, false)
	})
}
