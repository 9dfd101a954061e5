package billing

// SetBatchHook makes each batch of a run call h at the end of its
// transaction; an error rolls the batch back as if the process died there.
func (s *Service) SetBatchHook(h func(batch int) error) { s.batchHook = h }
