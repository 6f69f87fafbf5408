package modelvet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/integrity"
	"github.com/modelvet/modelvet/kb"
	"github.com/modelvet/modelvet/license"
	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// Version is the version of modelvet written into every report.
const Version = "0.1.0"

// Aliases of the report model, so callers of the front door need no other
// import.
type (
	Report   = report.Report
	Finding  = finding.Finding
	Verdict  = report.Verdict
	Evidence = finding.Evidence
)

// Verdicts.
const (
	Pass   = report.Pass
	Review = report.Review
	Fail   = report.Fail
)

// Option configures an Auditor. Options are checked once, by New.
type Option func(*config) error

type config struct {
	policy        *Policy
	kbOverlay     fs.FS
	jurisdictions []string
	jurisSet      bool
	trust         integrity.Trust
	signaturePath string
	progress      func(integrity.Progress)
	clock         func() time.Time
	noHashing     bool
}

// WithPolicy applies p instead of the default policy.
func WithPolicy(p *Policy) Option {
	return func(c *config) error {
		if p == nil {
			return errors.New("WithPolicy: nil policy")
		}
		c.policy = p
		return nil
	}
}

// WithKnowledgeBase overlays the knowledge-base files in fsys over the
// embedded ones (see package kb).
func WithKnowledgeBase(fsys fs.FS) Option {
	return func(c *config) error {
		if fsys == nil {
			return errors.New("WithKnowledgeBase: nil file system")
		}
		c.kbOverlay = fsys
		return nil
	}
}

// WithJurisdictions selects the jurisdictions whose government policies
// apply, replacing the policy's list: knowledge-base ids ("us-federal",
// "us-tx", "au"), prefixes ending in "*" ("us-*"), or "*" for all. New
// rejects ids the knowledge base (with any overlay) does not know, with an
// error that lists the known ones and wraps a *kb.UnknownJurisdictionError.
func WithJurisdictions(ids ...string) Option {
	return func(c *config) error {
		c.jurisdictions = slices.Clone(ids)
		c.jurisSet = true
		return nil
	}
}

// WithTrust sets the keys, certificate roots, Sigstore trusted root and
// identities trusted to sign models.
func WithTrust(t integrity.Trust) Option {
	return func(c *config) error {
		if err := t.Validate(); err != nil {
			return fmt.Errorf("WithTrust: %w", err)
		}
		c.trust = t
		return nil
	}
}

// WithSignature reads the model signature from path instead of the
// release's own model.sig.
func WithSignature(path string) Option {
	return func(c *config) error {
		if path == "" {
			return errors.New("WithSignature: empty path")
		}
		c.signaturePath = path
		return nil
	}
}

// WithProgress calls fn as files are hashed.
func WithProgress(fn func(integrity.Progress)) Option {
	return func(c *config) error {
		c.progress = fn
		return nil
	}
}

// WithClock sets the clock used for the report's time and for judging
// waiver expiry, for deterministic output in tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		c.clock = now
		return nil
	}
}

// WithoutHashingUnsafe skips hashing the release's files: sizes and
// published digests are still compared, but the bytes are not checked.
// The report records the option and an integrity.unverified finding.
func WithoutHashingUnsafe() Option {
	return func(c *config) error {
		c.noHashing = true
		return nil
	}
}

// Auditor audits releases under one configuration. It is safe for
// concurrent use.
type Auditor struct {
	cfg    config
	policy *Policy
	kb     *kb.KB
	juris  []string
}

// New returns an Auditor configured by opts. It validates the options and
// loads the knowledge base once.
func New(opts ...Option) (*Auditor, error) {
	var c config
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	a := &Auditor{cfg: c, policy: c.policy}
	if a.policy == nil {
		a.policy = DefaultPolicy()
	}
	k, err := kb.Load(c.kbOverlay)
	if err != nil {
		return nil, fmt.Errorf("knowledge base: %w", err)
	}
	a.kb = k
	a.juris = a.policy.Jurisdictions
	if c.jurisSet {
		a.juris = c.jurisdictions
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// Audit audits src with the default configuration and opts.
func Audit(ctx context.Context, src manifest.Source, opts ...Option) (*Report, error) {
	a, err := New(opts...)
	if err != nil {
		return nil, err
	}
	return a.Audit(ctx, src)
}

// KnowledgeBase returns the knowledge base the auditor uses.
func (a *Auditor) KnowledgeBase() *kb.KB { return a.kb }

// Policy returns the policy the auditor applies.
func (a *Auditor) Policy() *Policy { return a.policy }

// Audit reads src and audits it. The error reports only a failure to audit
// (the release could not be read, the context ended); problems found in the
// release are findings in the report.
func (a *Auditor) Audit(ctx context.Context, src manifest.Source) (*Report, error) {
	rel, err := src.Open(ctx)
	if err != nil {
		return nil, err
	}
	return a.AuditRelease(ctx, rel)
}

// AuditRelease audits a release already read. It never modifies rel.
func (a *Auditor) AuditRelease(ctx context.Context, rel *manifest.Release) (*Report, error) {
	s := &audit{a: a, rel: rel}
	s.rep = &report.Report{
		Schema:        report.Schema,
		Tool:          report.Tool{Name: "modelvet", Version: Version},
		KnowledgeBase: report.KnowledgeBase{Version: a.kb.Version(), AsOf: a.kb.Date()},
		Policy:        report.Policy{Name: a.policy.Name, Jurisdictions: slices.Clone(a.juris)},
		AuditedAt:     a.cfg.clock().UTC().Truncate(time.Second),
		Subject: report.Subject{
			Name:     rel.Name,
			Source:   rel.Source,
			Kind:     rel.Kind,
			Revision: rel.Revision,
			Formats:  rel.Formats(),
		},
	}
	describeSubject(&s.rep.Subject, rel)
	if a.cfg.noHashing {
		s.rep.Policy.Unsafe = append(s.rep.Policy.Unsafe, "without-hashing")
	}
	s.add(rel.Findings()...)
	s.describeFiles()
	s.licenses()
	s.lineage()
	s.licenseInheritance()
	if err := s.integrity(ctx); err != nil {
		return nil, err
	}
	a.policy.apply(s.rep, a.cfg.clock())
	s.rep.Normalize()
	return s.rep, nil
}

// audit is the state of one audit as the analyses add to its report.
type audit struct {
	a   *Auditor
	rel *manifest.Release
	rep *report.Report
	lic *license.Result
	// developer is the audited model's developer as the lineage shows it,
	// when established from the knowledge base or the repository's
	// organisation (not from a family name, not a repackager).
	developer string
}

func (s *audit) add(fs ...finding.Finding) { s.rep.Findings = append(s.rep.Findings, fs...) }
