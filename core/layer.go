package core

// Layer is one differentiable stage of a network. Forward and Backward work
// on whole mini-batches (one example per row) and must be called in pairs:
// Backward uses what the preceding Forward cached.
type Layer interface {
	// Forward maps x to the layer's output. train selects training
	// behaviour (dropout active, batch norm on batch statistics).
	// The returned matrix is owned by the layer and valid until the next call.
	Forward(x matrix, train bool) matrix
	// Backward takes ∂L/∂output, adds ∂L/∂parameters into the layer's
	// gradient slices and returns ∂L/∂input (owned by the layer).
	Backward(dy matrix) matrix
}

// Param is a named tensor of trainable parameters or saved state, with its
// gradient. Value and Grad are views into the model's flat storage.
type Param struct {
	Name  string
	Shape []int
	Value []float32
	Grad  []float32 // nil for non-trainable state such as batch-norm running statistics
}

// paramStore lays out all tensors of a model in two flat slices, one for
// trainable parameters and one for state, so that optimisers, gradient
// clipping, snapshots, worker exchange and the weights file each work on one
// slice.
type paramStore struct {
	specs  []paramSpec
	values []float32 // trainable parameters
	grads  []float32
	state  []float32 // non-trainable state (batch-norm running statistics)
	params []Param
}

type paramSpec struct {
	name      string
	shape     []int
	trainable bool
	offset    int
}

// add reserves a tensor; views are bound later by finish.
func (s *paramStore) add(name string, trainable bool, shape ...int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	spec := paramSpec{name: name, shape: shape, trainable: trainable}
	if trainable {
		spec.offset = len(s.values)
		s.values = append(s.values, make([]float32, n)...)
	} else {
		spec.offset = len(s.state)
		s.state = append(s.state, make([]float32, n)...)
	}
	s.specs = append(s.specs, spec)
	return len(s.specs) - 1
}

// finish allocates the gradient slice and binds the Param views. Storage
// must not grow after this call.
func (s *paramStore) finish() {
	s.grads = make([]float32, len(s.values))
	s.params = make([]Param, len(s.specs))
	for i, sp := range s.specs {
		n := 1
		for _, d := range sp.shape {
			n *= d
		}
		p := Param{Name: sp.name, Shape: sp.shape}
		if sp.trainable {
			p.Value = s.values[sp.offset : sp.offset+n : sp.offset+n]
			p.Grad = s.grads[sp.offset : sp.offset+n : sp.offset+n]
		} else {
			p.Value = s.state[sp.offset : sp.offset+n : sp.offset+n]
		}
		s.params[i] = p
	}
}
