// Package dataparallel is govae's synchronous data-parallel training across
// Web Workers: the messages and each worker's part of a step (Node), in
// plain Go, so that the coordination is tested natively with in-process
// workers. The worker binary (wasm/worker) connects Nodes with postMessage;
// the page's Workers backend (wasm/app) drives them.
//
// Every worker holds the same model, the same images and a core.Trainer with
// the same seed, so all draw the same mini-batch and the same noise. Worker
// i of N computes the gradient of rows [i·B/N, (i+1)·B/N) of each batch of B
// images, normalised by B (core.Trainer.Compute's normalizer), sends it to
// every other worker and adds up all N in worker order. Each worker so gets
// the same sum — the mean gradient of the whole batch — bit for bit, and
// takes the same optimiser step: the weights stay identical everywhere
// without being sent between workers.
//
// Worker 0 leads. The page sends the controls (start, pause, step, new
// settings) to it alone, and it decides before each step whether the next
// one runs and with which settings, telling the others in its gradient
// message, so that all workers stop and change settings at the same step. It
// reports every step to the page and sends it the weights several times a
// second.
//
// A worker also evaluates weights on a held-out set when the page asks
// (HeldOut, Evaluate, Evaluated; heldout.go, with EvalClient, the page's
// side), so that the held-out curve costs the page's main thread nothing.
package dataparallel

import "github.com/govae/govae/core"

// Main is the page's address for Node.Send.
const Main = -1

// Kind says what a Message is.
type Kind uint8

// The messages. Each names its sender and receiver and the fields it uses.
const (
	// Load (page → every worker): Weights (a weights file), Config, Gen, and
	// Steps, Epoch, Examples to count on from. Training restarts from these
	// weights with a fresh optimiser.
	Load Kind = iota + 1
	// Data (page → every worker): the training images, Pixels or Bytes (N
	// images), or N synthetic ones drawn from Seed. Fetch (page → every
	// worker) asks the worker binary to download them itself from URL.
	Data
	Fetch
	// Control (page → worker 0): Command, with Config for SetConfig; Seq
	// numbers the controls so the page knows which ones State answers.
	Control
	// State (worker 0 → page): Running and Pending after control Seq, and
	// whether steps are under way (Active).
	State
	// StepDone (worker 0 → page): a step was taken: Steps, Epoch, Examples
	// (all counted since Load), Loss, At (worker 0's clock); with State's
	// fields.
	StepDone
	// Stopped (worker 0 → page): a step was discarded (Err) and training
	// stopped; with State's fields.
	Stopped
	// Weights (worker 0 → page): Values and State of the model after Steps
	// steps, and Config (the likelihood the pictures' means follow).
	Weights
	// DataReady (every worker → page): N training images are in.
	// DataProgress: Got of Total bytes downloaded.
	DataReady
	DataProgress
	// Failed (any worker → page): Err. With Fatal the worker is gone;
	// otherwise the download failed and Fetch may be retried, with Status
	// the HTTP status the server answered (404: the site does not have
	// the file) or 0 when no answer came (a network failure).
	Failed
	// Go (worker 0 → the others): run step Steps with Config.
	Go
	// Grad (every worker → every other): the sender's share of step Steps:
	// Rows images, their Loss and gradient Grad, or Err. Worker 0's also
	// says whether the step after runs (Next) and with which Config.
	Grad
	// HeldOut (page → the worker that evaluates): the held-out images,
	// Pixels or Bytes (N images; see HeldOutMessage), kept until the next
	// HeldOut. Not answered: a bad one makes every Evaluate fail with Err.
	HeldOut
	// Evaluate (page → the worker that evaluates): evaluate weights on the
	// held-out images, in evaluation mode with ε seeded by
	// core.HeldOutSeed. With Weights (a weights file, of weights from step
	// Steps), those; without, the worker's own model as it stands after
	// the step under way, for which Gen must be the worker's last Load.
	// Seq numbers the request.
	Evaluate
	// Evaluated (that worker → page): the answer to Evaluate Seq, with its
	// Gen: Steps (of the weights evaluated), Loss (N held-out images) and
	// KLDims, the KL of each latent dimension in nats per image; Took, the
	// evaluation's milliseconds; or Err.
	Evaluated

	// Save (page → worker 0): send the training run's checkpoint between
	// two steps, with History and Settings written into it; Seq numbers the
	// request. Saved (worker 0 → page): the answer to Save Seq: Checkpoint
	// (core's checkpoint file) of the run after Steps steps and Epoch
	// epochs, or Err. A Load with Checkpoint (a checkpoint file) instead of
	// Weights resumes that run exactly: weights, optimiser state, data order
	// and random sources (checkpoint.go).
	Save
	Saved
)

// Commands of a Control message.
const (
	CmdStart  = "start"
	CmdPause  = "pause"
	CmdStep   = "step"
	CmdConfig = "config"
)

// Message is what the page and the workers send each other. The JSON form
// is the header; the worker binary and the page carry the slices
// separately, as transferable typed arrays.
type Message struct {
	Kind Kind   `json:"k"`
	Gen  uint64 `json:"g,omitempty"` // which Load the message belongs to
	From int    `json:"f,omitempty"` // the sending worker

	Steps    int               `json:"s,omitempty"`
	Epoch    int               `json:"e,omitempty"`
	Examples int64             `json:"x,omitempty"`
	Config   *core.TrainConfig `json:"c,omitempty"`
	Loss     core.Loss         `json:"l"`
	Rows     int               `json:"r,omitempty"`
	Next     bool              `json:"nx,omitempty"`
	At       float64           `json:"at,omitempty"` // milliseconds on worker 0's monotonic clock
	// Times is where worker 0's step went, in ms: waiting to begin after
	// the previous step, computing and sending its share, waiting for the
	// others' shares, adding them up and taking the optimiser step.
	Times []float64 `json:"tm,omitempty"`

	Seq     uint64 `json:"q,omitempty"`
	Command string `json:"cmd,omitempty"`
	Running bool   `json:"run,omitempty"`
	Active  bool   `json:"act,omitempty"` // worker 0 has a step under way or committed
	Pending int    `json:"p,omitempty"`

	N     int    `json:"n,omitempty"`
	Seed  uint64 `json:"seed,omitempty"`
	URL   string `json:"url,omitempty"`
	Got   int64  `json:"got,omitempty"`
	Total int64  `json:"tot,omitempty"`
	Err   string `json:"err,omitempty"`
	Fatal bool   `json:"fatal,omitempty"`
	// Status is a failed download's HTTP status (Failed), 0 for a network
	// failure.
	Status int `json:"st,omitempty"`

	KLDims []float64 `json:"kd,omitempty"` // Evaluated: nats per image for each latent dimension
	Took   float64   `json:"tk,omitempty"` // Evaluated: milliseconds the evaluation took

	History  [][4]float64 `json:"hist,omitempty"` // Save: the loss curve (step, −ELBO, recon, KL in nats per image)
	Settings string       `json:"set,omitempty"`  // Save: the page's settings (its URL query)

	Grad    []float32 `json:"-"`
	Values  []float32 `json:"-"`
	State   []float32 `json:"-"`
	Pixels  []float32 `json:"-"`
	Bytes   []uint8   `json:"-"` // Data: pixel bytes (0–255)
	Weights []byte    `json:"-"` // Load: a weights file
	// Checkpoint is core's checkpoint file: Load resumes it, Saved carries
	// one.
	Checkpoint []byte `json:"-"`
}
