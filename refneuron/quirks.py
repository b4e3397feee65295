"""Documented quirks: where a framework's released code departs from its own
documentation or from the continuous model it claims to discretise.

refneuron reproduces what the released code does.  Each departure is listed
here once, with the models it affects, and with the refneuron switch that
gives the corrected behaviour where the framework's development branch has
fixed it.  ``refneuron.quirks.table()`` renders the list as Markdown.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Quirk:
    id: str
    framework: str
    models: tuple
    summary: str
    detail: str
    switch: str | None = None  # refneuron parameter that turns the corrected behaviour on
    status: str = "in the released version"


_Q = [
    Quirk(
        "snntorch_lapicque_decay",
        "snntorch 1.0.0",
        ("snntorch.Lapicque",),
        "Lapicque decays by 1 + ln(beta), not beta",
        "When beta is given, C (or R) is inferred as time_step/(R ln(1/beta)), but the update "
        "decays by 1 - time_step/(RC) = 1 - ln(1/beta) and scales the input by time_step/C: "
        "beta = 0.9 gives a per-step decay of 0.894639 and an input gain of R ln(1/beta).",
    ),
    Quirk(
        "snntorch_lapicque_unused_beta",
        "snntorch 1.0.0",
        ("snntorch.Lapicque",),
        "with R and C given, a beta buffer is stored but never used",
        "beta = exp(-time_step/(RC)) is computed and stored; the update uses R and C only.",
    ),
    Quirk(
        "snntorch_lapicque_all_three",
        "snntorch 1.0.0",
        ("snntorch.Lapicque",),
        "beta, R and C all given: AttributeError at the first call",
        "No inference branch applies, so R and C are never stored. refneuron refuses the "
        "combination at construction with a ParameterError.",
    ),
    Quirk(
        "snntorch_float32_spikes",
        "snntorch 1.0.0",
        ("snntorch.Leaky", "snntorch.Synaptic", "snntorch.Lapicque", "snntorch.Alpha"),
        "the subtractive reset removes float32(threshold), even in float64",
        "Spikes are float32 whatever the input dtype, and a float32 spike tensor times a 0-dim float64 "
        "buffer stays float32: a scalar threshold is subtracted as float32(threshold) (off by ~1e-8 for "
        "0.7) and a scalar graded_spikes_factor is emitted as float32(g). Per-neuron tensors promote "
        "to float64 and are exact.",
        switch="float32_spikes=False",
        status="fixed on snntorch master (PR #432, 2026-07), not yet released",
    ),
    Quirk(
        "snntorch_delayed_reset",
        "snntorch 1.0.0",
        ("snntorch.Leaky", "snntorch.Synaptic", "snntorch.Lapicque", "snntorch.Alpha"),
        "the reset of a spike is applied one step later, undecayed",
        "The spike of step t is emitted from U_t in the same call, but the reset it triggers is "
        "recomputed from the stored U_t at the start of call t+1 and subtracted there, not decayed "
        "by beta: in exact arithmetic an immediate subtraction of threshold/beta. The docstrings' "
        "'U[T] > U_thr => S[T+1] = 1' does not describe the code. reset_delay=False (Leaky, "
        "Synaptic) gives an immediate reset.",
    ),
    Quirk(
        "snntorch_leaky_zero_reset",
        "snntorch 1.0.0",
        ("snntorch.Leaky",),
        "Leaky's zero reset zeroes only beta*U, not the input of the step",
        "Leaky zero reset: U_t = beta*((1-R_t)*U_{t-1}) + X_t, whereas Synaptic and Lapicque zero the "
        "whole candidate including this step's input (open PR #426 would change Leaky).",
    ),
    Quirk(
        "snntorch_alpha_subtract_reset",
        "snntorch 1.0.0",
        ("snntorch.Alpha",),
        "Alpha's subtract reset adds the previous inhibitory current instead of subtracting threshold",
        "subtract: E_t = E* - theta32*R_t, N_t = N* - N*R_t, U_t = U* + N_{t-1}*R_t.",
    ),
    Quirk(
        "snntorch_clamp",
        "snntorch 1.0.0",
        ("snntorch.Leaky", "snntorch.Synaptic", "snntorch.Alpha"),
        "beta and alpha are clamped to [0, 1] silently at every use",
        "refneuron refuses values outside [0, 1] instead (a ParameterError) rather than change them.",
    ),
    Quirk(
        "snntorch_inhibition_reset",
        "snntorch 1.0.0",
        ("snntorch.Leaky", "snntorch.Synaptic", "snntorch.Lapicque", "snntorch.Alpha"),
        "with inhibition=True the reset is not masked",
        "Only the arg-max neuron of dimension 1 emits a spike, but every neuron above threshold is reset.",
    ),
    Quirk(
        "snntorch_alpha_tau_docstring",
        "snntorch 1.0.0",
        ("snntorch.Alpha",),
        "Alpha's docstring gives tau_alpha = log(a)/log(b) - log(a) + 1; the code computes log(a)/(log(b) - log(a)) + 1",
        "For a = 0.9, b = 0.8 the code gives 1.8945 and the docstring formula 1.577. The beta == 1 error "
        "message repeats the docstring form.",
    ),
    Quirk(
        "snntorch_alpha_learn_alpha",
        "snntorch 1.0.0",
        ("snntorch.Alpha",),
        "Alpha(learn_alpha=True) raises TypeError at construction",
        "The clamped alpha, a plain tensor, is assigned to the alpha Parameter ('cannot assign "
        "torch.FloatTensor as parameter alpha'). refneuron accepts the flag.",
    ),
    Quirk(
        "snntorch_lapicque_truthiness",
        "snntorch 1.0.0",
        ("snntorch.Lapicque",),
        "0 counts as 'not given' for beta, R and C",
        "beta = 0.9 with R = 0 silently uses R = 1; beta = 0 with R and C takes the R, C branch.",
    ),
    Quirk(
        "snntorch_lapicque_int_division",
        "snntorch 1.0.0",
        ("snntorch.Lapicque",),
        "integer R, C and time_step are divided in torch's default dtype at call time",
        "1/(R*C) and time_step/(R*C) are integer-tensor divisions evaluated in the default dtype, even for a "
        "module built in float64 and fed float64 inputs: R=2, C=3 gives an input gain of 2*float32(1/6) "
        "(relative error ~1e-8). refneuron uses float64, as snntorch called under a float64 default dtype.",
    ),
    Quirk(
        "snntorch_lapicque_learn_beta",
        "snntorch 1.0.0",
        ("snntorch.Lapicque",),
        "learn_beta reaches beta only through the C built at construction, and only once",
        "Lapicque(beta=..., learn_beta=True) derives C from the beta Parameter when the module is built and "
        "keeps that graph, so the first backward reaches beta and a second fails (graph freed); with beta and "
        "R and learn_beta construction raises KeyError, with R and C RuntimeError. refneuron returns the beta "
        "gradient whenever R or C is derived from beta.",
    ),
    Quirk(
        "snntorch_state_quant_twice",
        "snntorch 1.0.0",
        ("snntorch.Leaky", "snntorch.Synaptic", "snntorch.Lapicque", "snntorch.Alpha"),
        "state_quant is applied to the stored state and again inside fire(), but not in fire_inhibition()",
        "The spike compares q(q(U)) with the threshold while q(U) is stored (invisible for idempotent "
        "quantisers); with inhibition=True the spike comes from q(U). The immediate reset (reset_delay=False) "
        "acts on the once-quantised membrane.",
    ),
    Quirk(
        "spikingjelly_ge_threshold",
        "spikingjelly 2.0.0",
        ("spikingjelly.*",),
        "spikingjelly fires on H >= threshold; snntorch and norse on U > threshold",
        "A membrane exactly at threshold fires in spikingjelly and not in the other two frameworks.",
    ),
    Quirk(
        "spikingjelly_vreset_leak",
        "spikingjelly 2.0.0",
        ("spikingjelly.LIF", "spikingjelly.ParametricLIF", "spikingjelly.KLIF", "spikingjelly.LIAF"),
        "v_reset doubles as the leak (resting) potential",
        "The LIF charge decays toward v_reset (toward 0 for soft reset), there is no separate v_rest.",
    ),
    Quirk(
        "spikingjelly_izhikevich_vrest",
        "spikingjelly 2.0.0",
        ("spikingjelly.Izhikevich",),
        "IzhikevichNode's default v_rest is -0.1, not AdaptBaseNode's 0.0",
        "The default differs from the base class; w uses the charged pre-reset membrane.",
    ),
    Quirk(
        "spikingjelly_analog_reset",
        "spikingjelly 2.0.0",
        ("spikingjelly.*",),
        "with a spiking=False surrogate the neuron emits g(H - theta) and resets with that analog value",
        "The hard reset g*V_r + (1-g)*H and the soft reset H - g*theta act at every step, even far below "
        "threshold (Sigmoid alpha=4 at H - theta = -1 removes 1.8% of theta); Izhikevich adds b*g to w.",
    ),
    Quirk(
        "spikingjelly_learnable_dtype",
        "spikingjelly 2.0.0",
        ("spikingjelly.ParametricLIF", "spikingjelly.KLIF"),
        "PLIF's w and KLIF's k are created in torch's default dtype",
        "Under the default float32, k = sigmoid(float32 w) (0.3333333433 for init_tau = 3) even with float64 "
        "inputs; build the node under a float64 default dtype to match refneuron.",
    ),
    Quirk(
        "snntorch_inhibition_ungraded",
        "snntorch 1.0.0",
        ("snntorch.Leaky",),
        "with inhibition=True the output spikes are not scaled by graded_spikes_factor",
        "fire_inhibition skips the graded factor, while the immediate reset (reset_delay=False) still "
        "divides the spike by it: D_t = S_t/g - R_t.",
    ),
    Quirk(
        "norse_lif_float32_initial_state",
        "norse 1.1.0",
        ("norse.LIF", "norse.LIFRecurrent"),
        "the LIF modules build their initial v (= v_leak) and i in float32",
        "LIF, LIFCell, LIFRecurrent and LIFRecurrentCell do this whatever the input dtype; at the first step a "
        "0-dim float64 v_leak does not promote the float32 v, so v_leak - v is computed in float32. The error "
        "is dt*tau_mem_inv*|v_leak - float32(v_leak)| (1.5e-10 for v_leak = 0.1); harmless when v_leak is "
        "float32-representable. The LIFAdEx and LSNN modules use the input dtype.",
    ),
    Quirk(
        "norse_autapses_in_place",
        "norse 1.1.0",
        ("norse.LIFRecurrent", "norse.LIFAdExRecurrent", "norse.LSNNRecurrent"),
        "with autapses=False the recurrent modules zero the diagonal of the caller's recurrent_weights in place",
        "SNNRecurrent also sets requires_grad=True on that tensor. The functional steps use the matrix as "
        "given. refneuron zeroes its own copy.",
    ),
    Quirk(
        "norse_heavi_erfc_float32_pi",
        "norse 1.1.0",
        ("norse.*",),
        "heavi_erfc divides by sqrt(pi) computed in float32 when torch's default dtype is float32",
        "2*exp(-(alpha x)^2)/sqrt(float32 pi) in float32 (relative error 3e-8); under a float64 default dtype "
        "the exact sqrt(pi) is used. Gradients only.",
        switch="HeaviErfc(float32_pi=False)",
        status="depends on torch's default dtype",
    ),
    Quirk(
        "snntorch_surrogate_float32_grad",
        "snntorch 1.0.0",
        ("snntorch.*",),
        "the gradient arriving at a spike is float32, and surrogate parameters multiplied with it are rounded",
        "Spikes are float32 tensors, so autograd hands their backward a float32 incoming gradient; grad*threshold "
        "(triangular) and grad*slope (sigmoid, spike_rate_escape) round the parameter to float32: "
        "triangular(0.35) gives +-0.3499999940395355. Gradients only.",
        status="fixed on snntorch master (PR #432) for the spike dtype",
    ),
    Quirk(
        "snntorch_lso_broken",
        "snntorch 1.0.0",
        ("snntorch.*",),
        "the LSO surrogate fails at first use",
        "The factory calls the stochastic operator with an argument missing (TypeError), and the operator's "
        "backward returns one gradient for two inputs (RuntimeError).",
        switch="LSO(fixed=True)",
        status="refneuron-only correction",
    ),
    Quirk(
        "snntorch_atan_docstring",
        "snntorch 1.0.0",
        ("snntorch.*",),
        "ATan's docstring gives (1/pi)/(1+(pi alpha x/2)^2); the code computes (alpha/2)/(1+(pi alpha x/2)^2)",
        "With the default alpha = 2 the code's peak is 1, the docstring's 1/pi.",
    ),
    Quirk(
        "snntorch_sigmoid_overflow",
        "snntorch 1.0.0",
        ("snntorch.*",),
        "the sigmoid surrogate's gradient is 0 and then NaN far below threshold",
        "Written as k e^{-kx}/(e^{-kx}+1)^2 without a stable form: in float64 with k = 25 it is exactly 0 for "
        "x < -14.2 ((e+1)^2 overflows) and NaN for x < -28.26 (k e overflows).",
    ),
    Quirk(
        "spikingjelly_s2nn_log_offset",
        "spikingjelly 2.0.0",
        ("spikingjelly.*",),
        "S2NN's primitive has 1e-5 inside its log, so it is not exactly the primitive of its backward",
        "For x >= 0 the relative gap between beta/(x+1) and the derivative of beta*ln(|x+1|+1e-5) is "
        "-1e-5/(x+1+1e-5).",
    ),
    Quirk(
        "spikingjelly_fake_numerical_gradient_negative_zero",
        "spikingjelly 2.0.0",
        ("spikingjelly.*",),
        "FakeNumericalGradient's gradient is -inf at x = -0.0",
        "-0.0 >= 0 is true, so it evaluates 1/(-0.0).",
    ),
    Quirk(
        "norse_superspike_alpha",
        "norse 1.1.0",
        ("norse.*",),
        "SuperSpike ignores alpha in norse 1.1.0",
        "The backward is 1/(|x|+1)^2 whatever alpha is; norse main (norse/norse#403) uses "
        "1/(alpha|x|+1)^2. Gradients only.",
        switch="SuperSpike(alpha_fixed=True)",
        status="fixed on norse main, not yet released",
    ),
    Quirk(
        "norse_adex_encoder",
        "norse 1.1.0",
        ("norse.LIFAdExCurrentEncoder",),
        "the LIFAdEx current encoder's adaptation update has no dt and no 'a +'",
        "a_t = tau_ada_inv*(kappa*(v_t - v_leak) - a) + z*b with the post-reset v: a is replaced by a "
        "multiple of its derivative and diverges as (-2)^t with the defaults.",
        switch="corrected_adaptation=True",
        status="refneuron-only correction (not fixed upstream)",
    ),
    Quirk(
        "norse_lsnn_input_delay",
        "norse 1.1.0",
        ("norse.LSNN", "norse.LSNNRecurrent"),
        "LSNN input reaches the membrane one step later than in LIF",
        "v is updated with the old current before this step's input jumps into i.",
    ),
    Quirk(
        "norse_lsnn_threshold",
        "norse 1.1.0",
        ("norse.LSNN", "norse.LSNNRecurrent"),
        "LSNN's b is the whole threshold, relaxing toward v_th; initial b = v_th",
        "The docstring's z = H(v - v_th + b), db/dt = -b/tau_b is not what runs: z = H(v* - b*), "
        "tau_b db/dt = v_th - b, b += beta on a spike.",
    ),
    Quirk(
        "norse_adex_rheobase",
        "norse 1.1.0",
        ("norse.LIFAdEx", "norse.LIFAdExRecurrent", "norse.LIFAdExCurrentEncoder"),
        "LIFAdEx's exponential uses v_th as its rheobase",
        "There is no separate theta_rh: the exponential term is delta_T*exp((v - v_th)/delta_T).",
    ),
    Quirk(
        "norse_units",
        "norse 1.1.0",
        ("norse.*",),
        "norse's default numbers are rates for dt = 1e-3 s, not the mV/ms of its docstrings",
        "tau_mem_inv = 100 and dt = 0.001 give dt*tau_mem_inv = 0.1 per step.",
    ),
]

QUIRKS = {q.id: q for q in _Q}


def for_model(name):
    """Quirks that affect the model registered as ``name``."""
    source = name.split(".")[0]
    return [q for q in _Q if name in q.models or f"{source}.*" in q.models]


def table():
    """All quirks as a Markdown table."""
    rows = ["| id | framework | models | quirk | corrected by | status |", "|---|---|---|---|---|---|"]
    for q in _Q:
        rows.append(
            f"| `{q.id}` | {q.framework} | {', '.join(q.models)} | {q.summary} | "
            f"{('`' + q.switch + '`') if q.switch else '-'} | {q.status} |"
        )
    return "\n".join(rows)
