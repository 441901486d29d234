"""Optimizers: SGD, Momentum, Adam, AdamWeightDecay, Adagrad, RMSProp, AdaMax, Adadelta,
Rprop, ASGD, LazyAdam,
ProximalAdagrad with MindSpore's update rules and state names.

``optimizer(grads)`` checks every gradient first, computes every new value in ops, then writes
them all (``assign``): bad input changes no Parameter, and inside a compiled train step the
same code records the update into the graph. State (moments, the step, the learning rate) lives
in Parameters named as MindSpore names them (``moment1.<param>``, ``global_step``,
``learning_rate``), so it is saved in checkpoints."""
import numbers
from collections.abc import Iterable

import numpy as np

from .. import ops
from .._tensor import Parameter, Tensor, float32, int32
from .._trace import apply, current
from ..nn_lr import LearningRateSchedule
from .cell import Cell


def _lr_value(lr, where):
    """A learning rate as a float32 Tensor (0-d: fixed; 1-d: one per step) or a LearningRateSchedule."""
    if isinstance(lr, numbers.Real) and not isinstance(lr, bool):
        values = np.array(lr, np.float32)
    elif isinstance(lr, Tensor):
        if lr.ndim > 1:
            raise ValueError(f"{where}: a learning-rate Tensor must be 0-d (fixed) or 1-d (one per step), "
                             f"got shape {tuple(lr.shape)}")
        values = lr.asnumpy().astype(np.float32)
    elif isinstance(lr, (list, tuple)):
        if not lr or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in lr):
            raise TypeError(f"{where}: a learning-rate list must be a non-empty list of numbers")
        values = np.array(lr, np.float32)
    elif isinstance(lr, LearningRateSchedule):
        return lr  # called with global_step at every step
    else:
        # MindSpore refuses any other callable too: a plain function cannot be compiled into the step.
        hint = (" A function or a Cell is not accepted: subclass nn.LearningRateSchedule and return the rate "
                "as a Tensor from construct(self, global_step)." if callable(lr) else "")
        raise TypeError(f"For 'Optimizer', the argument 'learning_rate' must be int, float, Tensor, Iterable or "
                        f"LearningRateSchedule, but got {type(lr)}.{hint}")
    if (values < 0).any() or not np.isfinite(values).all():
        raise ValueError(f"{where}: learning_rate must be finite and non-negative, got {lr!r}")
    return Tensor(values)


def _check_wd(wd, where):
    if isinstance(wd, bool) or not isinstance(wd, numbers.Real) or wd < 0:
        raise ValueError(f"{where}: weight_decay must be a non-negative number, got {wd!r}")
    return float(wd)


def _order(groups, name):
    """The parameter order a group dict {'order_params': [...]} gives (the last one, as in MindSpore), or None."""
    order = None
    for g in groups:
        if "order_params" not in g:
            continue
        if set(g) != {"order_params"}:
            raise ValueError(f"For '{name}', the order params dict in group parameters should only include the "
                             f"'order_params' key, but got {sorted(g)}.")
        if isinstance(g["order_params"], Parameter) or not isinstance(g["order_params"], Iterable):
            raise TypeError(f"For '{name}', the value of 'order_params' in group parameters should be Iterable "
                            f"type, but got {type(g['order_params'])}.")
        order = list(g["order_params"])
    return order


class Optimizer(Cell):
    """The shared part: parameter groups, the learning rate per step, weight decay, checks.

    Its Parameters are listed (parameters_and_names, checkpoints) under their own names in
    MindSpore's order: global_step, the learning rates, the network's parameters, then each
    optimizer's state."""

    _global_names = True

    def __init__(self, learning_rate, parameters, weight_decay=0.0, loss_scale=1.0):
        super().__init__(auto_prefix=False)
        name = type(self).__name__
        parameters = list(parameters) if parameters is not None else []
        if not parameters:
            raise ValueError(f"{name}: parameters must be a non-empty list of Parameters or of group dicts")
        weight_decay = _check_wd(weight_decay, name)
        if isinstance(loss_scale, bool) or not isinstance(loss_scale, numbers.Real) or loss_scale <= 0:
            raise ValueError(f"{name}: loss_scale must be a positive number, got {loss_scale!r}")
        self.loss_scale = float(loss_scale)
        is_group = all(isinstance(g, dict) for g in parameters)
        if not is_group and any(isinstance(g, dict) for g in parameters):
            raise TypeError(f"{name}: parameters must be all Parameters or all group dicts, not a mix")
        groups = parameters if is_group else [{"params": parameters}]
        order = _order(groups, name)
        self.global_step = Parameter(Tensor(np.array([0], np.int32)), name="global_step", requires_grad=False)
        base = _lr_value(learning_rate, name)
        if isinstance(base, Tensor):
            base = Parameter(base, name="learning_rate", requires_grad=False)
        lr_names = {id(base): "learning_rate"}
        params, lr_of, wd_of, seen = [], [], [], {}
        for gi, g in enumerate(groups):
            if "order_params" in g:
                continue
            unknown = set(g) - {"params", "lr", "weight_decay", "grad_centralization"}
            if unknown or "params" not in g:
                raise ValueError(f"{name}: group {gi} must have 'params' and may have 'lr' and 'weight_decay', "
                                 f"got keys {sorted(g)}")
            if g.get("grad_centralization"):
                raise NotImplementedError(f"{name}: 'grad_centralization' is not supported")
            lr = base
            if "lr" in g:  # MindSpore names a group's own learning rate after the group's place in the list
                lr = _lr_value(g["lr"], f"{name} group {gi}")
                if isinstance(lr, Tensor):
                    lr = Parameter(lr, name=f"learning_rate_group_{gi}", requires_grad=False)
                lr_names[id(lr)] = f"learning_rate_group_{gi}"
            wd = _check_wd(g.get("weight_decay", weight_decay), f"{name} group {gi}")
            for p in list(g["params"]):
                if not isinstance(p, Parameter):
                    raise TypeError(f"{name}: parameters must be Parameters, got {type(p).__name__}")
                if p.name in seen:
                    if seen[p.name] is p:
                        raise ValueError(f"{name}: Parameter {p.name!r} is listed twice")
                    raise ValueError(f"{name}: two different Parameters are both named {p.name!r}; names must be "
                                     "unique (the optimizer's state is named after them)")
                seen[p.name] = p
                params.append(p)
                lr_of.append(lr)
                # MindSpore's rule: without groups, norm parameters (beta, gamma) are not decayed.
                decays = is_group or ("beta" not in p.name and "gamma" not in p.name)
                wd_of.append(wd if decays else 0.0)
        if order is not None:
            place = {id(p): i for i, p in enumerate(params)}
            for p in order:
                if id(p) not in place:
                    raise ValueError(f"For '{name}', order_params lists {getattr(p, 'name', p)!r}, which is in no "
                                     "parameter group")
            for i, p in enumerate(order):
                if any(q is p for q in order[:i]):
                    raise ValueError(f"For '{name}', order_params lists {p.name!r} twice")
            if len(order) != len(params):
                raise ValueError(f"For '{name}', order_params must list every parameter of the groups: they hold "
                                 f"{len(params)}, order_params lists {len(order)}")
            perm = [place[id(p)] for p in order]
            params, lr_of, wd_of = order, [lr_of[i] for i in perm], [wd_of[i] for i in perm]
        self._parameters = tuple(params)
        self._lr_of = tuple(lr_of)
        self._wd = wd_of
        self._is_group_lr = any("lr" in g for g in groups)
        # The learning rates in the order the parameters use them (MindSpore's), then the parameters.
        for lr in {id(lr): lr for lr in lr_of}.values():  # each once (a Tensor is no dict key)
            if isinstance(lr, Parameter):
                self._params[lr.name] = lr
            else:
                self._cells[lr_names[id(lr)]] = lr  # a schedule's own Parameters are saved with the optimizer
        for p in params:
            if p.name in self._params:
                raise ValueError(f"{name}: a parameter is named {p.name!r}, as the optimizer's own state is")
            self._params[p.name] = p
        # MindSpore's attributes: one learning rate, or (with group lrs) one per parameter; the same for weight decay.
        object.__setattr__(self, "learning_rate", tuple(lr_of) if self._is_group_lr else base)
        self.weight_decay = (tuple(Tensor(np.float32(wd)) for wd in wd_of) if is_group
                             else Tensor(np.float32(weight_decay)))

    @property
    def parameters(self):
        return self._parameters

    def _state(self, name, value):
        """A state Parameter listed under its own name (the attribute holding it may differ)."""
        p = Parameter(value, name=name, requires_grad=False)
        self._params[name] = p
        return p

    def _clone(self, prefix, init):
        """Zeros (or ones) like each parameter, as Parameters named '<prefix>.<param name>'."""
        return tuple(self._state(f"{prefix}.{p.name}", Tensor(np.full(p.shape, init, p.dtype.np)))
                     for p in self._parameters)

    def _lr_list_error(self, what, n, step):
        return (f"{type(self).__name__}: the {what} list has {n} values (steps 0..{n - 1}) but this is step {step}; "
                "give a longer list")

    def _check_lr_steps(self):
        """Raises if a per-step learning-rate list has no value for the coming step."""
        step = int(self.global_step.asnumpy()[0])
        for lr in self._lr_of:
            if isinstance(lr, Tensor) and lr.ndim == 1 and step >= lr.shape[0]:
                raise ValueError(self._lr_list_error(lr.name, lr.shape[0], step))

    def _step_lr(self, lr):
        """The learning rate of this step from a fixed value, a per-step list or a schedule."""
        if not isinstance(lr, Tensor):
            return ops.reshape(lr(self.global_step), ())
        if lr.ndim == 0:
            return lr
        n = lr.shape[0]
        if current() is None:
            self._check_lr_steps()
            idx = self.global_step
        else:  # a compiled step checks at every call, before it writes any Parameter
            idx = apply("check_index", [self.global_step], {"size": n, "message": self._lr_list_error(lr.name, n, "{i}")})
        return ops.reshape(ops.gather(lr, idx, 0), ())

    def _lrs_now(self):
        """This step's learning rate for each parameter, each distinct schedule or list looked up once."""
        now = {}
        for lr in self._lr_of:
            if id(lr) not in now:
                now[id(lr)] = self._step_lr(lr)
        return [now[id(lr)] for lr in self._lr_of]

    def _check_grads(self, gradients):
        name = type(self).__name__
        if isinstance(gradients, Tensor) or not isinstance(gradients, (tuple, list)):
            raise TypeError(f"{name}: gradients must be a tuple of Tensors, one per parameter, got "
                            f"{type(gradients).__name__}")
        if len(gradients) != len(self._parameters):
            raise ValueError(f"{name}: got {len(gradients)} gradients for {len(self._parameters)} parameters")
        for p, g in zip(self._parameters, gradients):
            if not isinstance(g, Tensor):
                raise TypeError(f"{name}: the gradient of {p.name!r} must be a Tensor, got {type(g).__name__}")
            if tuple(g.shape) != tuple(p.shape):
                raise ValueError(f"{name}: the gradient of {p.name!r} has shape {tuple(g.shape)}, the parameter "
                                 f"{tuple(p.shape)}")
            if g.dtype.kind != "f":
                raise TypeError(f"{name}: the gradient of {p.name!r} must be a float tensor, got {g.dtype}")

    def __call__(self, gradients):
        """Inside a trace (a jitted train step) the update is recorded into the enclosing graph.
        Outside one (PyNative, or GRAPH_MODE), it runs as one compiled graph, as MindSpore runs each
        optimizer as fused kernels: one call, each Parameter written in place once every check has
        passed, no fresh buffer per op. A subclass with its own construct runs as any Cell does."""
        if current() is not None or type(self).construct is not Optimizer.construct:
            return super().__call__(gradients)
        self._check_grads(gradients)  # the eager errors, before anything is traced or run
        update = self.__dict__.get("_compiled_update")
        if update is None:
            from .._grad import jit

            def apply_gradients(*grads):
                self.construct(grads)
            apply_gradients.__name__ = type(self).__name__  # its name in dumps, profiles and errors
            update = jit(apply_gradients)
            object.__setattr__(self, "_compiled_update", update)
        update(*gradients)
        return (True,) * len(self._parameters)

    def construct(self, gradients):
        self._check_grads(gradients)
        lrs = self._lrs_now()
        ctx = self._prepare()
        updates = []
        for i, (p, g) in enumerate(zip(self._parameters, gradients)):
            if g.dtype is not p.dtype:
                g = ops.cast(g, p.dtype)
            if self.loss_scale != 1.0:
                g = g / self.loss_scale
            updates += self._update(i, p, g, lrs[i], self._wd[i], ctx)
        updates += self._state_updates(ctx)
        for target, value in updates:  # every value computed before anything is written
            ops.assign(target, value)
        ops.assign(self.global_step, self.global_step + 1)
        return (True,) * len(self._parameters)  # MindSpore's: one flag per parameter

    def _prepare(self):
        """Values shared by every parameter's update this step (Adam's bias correction)."""
        return None

    def _state_updates(self, ctx):
        return []

    def get_lr(self):
        """This step's learning rate; with group learning rates, a tuple of one per parameter (MindSpore's)."""
        if self._is_group_lr:
            return tuple(self._lrs_now())
        return self._step_lr(self.learning_rate)

    def get_lr_parameter(self, param):
        """The learning rate (a Parameter, or the schedule Cell) a Parameter is updated with; a list for a list."""
        if isinstance(param, list):
            return [self.get_lr_parameter(p) for p in param]
        if not isinstance(param, Parameter):
            raise TypeError(f"For 'get_lr_parameter', the 'param' must be 'Parameter' or 'list' type, but got "
                            f"{type(param)}.")
        for p, lr in zip(self._parameters, self._lr_of):
            if p is param:
                return lr
        raise ValueError(f"For 'get_lr_parameter', the parameter {param.name} is not in optimizer, please check "
                         "whether the argument 'param' is correct.")


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, (coupled) weight decay and Nesterov,
    as MindSpore's ApplySGD: the first momentum step takes the gradient as it is."""

    def __init__(self, params, learning_rate=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                 loss_scale=1.0):
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        for arg, v in (("momentum", momentum), ("dampening", dampening)):
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or v < 0:
                raise ValueError(f"SGD: {arg} must be a non-negative number, got {v!r}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening 0")
        self.momentum, self.dampening, self.nesterov = float(momentum), float(dampening), bool(nesterov)
        self._state("momentum", Tensor(np.float32(momentum)))  # MindSpore saves it
        self.accum = self._clone("accum", 0)
        self.stat = self._clone("stat", 1)

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        if self.momentum <= 0:
            return [(p, p - lr * g)]
        a, s = self.accum[i], self.stat[i]
        a_new = ops.where(s > 0, g, a * self.momentum + g * (1 - self.dampening))
        step = g + a_new * self.momentum if self.nesterov else a_new
        return [(p, p - lr * step), (a, a_new), (s, ops.zeros_like(s))]


class Momentum(Optimizer):
    """accum = momentum * accum + grad; param -= lr * accum (Nesterov: lr * (grad + momentum * accum))."""

    def __init__(self, params, learning_rate, momentum, weight_decay=0.0, loss_scale=1.0, use_nesterov=False):
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or momentum < 0:
            raise ValueError(f"Momentum: momentum must be a non-negative number, got {momentum!r}")
        self.momentum, self.use_nesterov = float(momentum), bool(use_nesterov)
        self._state("momentum", Tensor(np.float32(momentum)))
        self.moments = self._clone("moments", 0)

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        a = self.moments[i]
        a_new = a * self.momentum + g
        step = g + a_new * self.momentum if self.use_nesterov else a_new
        return [(p, p - lr * step), (a, a_new)]


def _check_betas(name, beta1, beta2, eps):
    for arg, v in (("beta1", beta1), ("beta2", beta2)):
        if not 0.0 < v < 1.0:
            raise ValueError(f"{name}: {arg} must be in (0, 1), got {v!r}")
    if not eps > 0:
        raise ValueError(f"{name}: eps must be positive, got {eps!r}")


class Adam(Optimizer):
    """Adam with bias correction folded into the step size, as MindSpore's Adam:
    param -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps); weight decay coupled.
    use_amsgrad divides by the largest v so far (state 'vhat.<param>') instead of v; as in
    MindSpore 2.7.2 it then ignores use_nesterov."""

    def __init__(self, params, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, use_locking=False,
                 use_nesterov=False, weight_decay=0.0, loss_scale=1.0, use_amsgrad=False):
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        _check_betas("Adam", beta1, beta2, eps)
        self.beta1, self.beta2, self.eps, self.use_nesterov = float(beta1), float(beta2), float(eps), bool(use_nesterov)
        self.use_amsgrad = bool(use_amsgrad)
        # 0-d, as MindSpore 2.7.2's (its checkpoints load into this optimizer, and ours into its)
        self.beta1_power = Parameter(Tensor(np.float32(1)), name="beta1_power", requires_grad=False)
        self.beta2_power = Parameter(Tensor(np.float32(1)), name="beta2_power", requires_grad=False)
        self.moment1 = self._clone("moment1", 0)
        self.moment2 = self._clone("moment2", 0)
        if self.use_amsgrad:
            self.vhat = self._clone("vhat", 0)

    def _prepare(self):
        b1p, b2p = self.beta1_power * self.beta1, self.beta2_power * self.beta2
        return b1p, b2p, ops.sqrt(1 - b2p) / (1 - b1p)

    def _state_updates(self, ctx):
        return [(self.beta1_power, ctx[0]), (self.beta2_power, ctx[1])]

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        m, v = self.moment1[i], self.moment2[i]
        m_new = m * self.beta1 + g * (1 - self.beta1)
        v_new = v * self.beta2 + ops.square(g) * (1 - self.beta2)
        if self.use_amsgrad:
            vhat = ops.maximum(self.vhat[i], v_new)
            step = m_new / (ops.sqrt(vhat) + self.eps)
            return [(p, p - lr * ops.cast(ctx[2], p.dtype) * step), (m, m_new), (v, v_new), (self.vhat[i], vhat)]
        num = m_new * self.beta1 + g * (1 - self.beta1) if self.use_nesterov else m_new
        step = num / (ops.sqrt(v_new) + self.eps)
        return [(p, p - lr * ops.cast(ctx[2], p.dtype) * step), (m, m_new), (v, v_new)]


class AdamWeightDecay(Optimizer):
    """Adam without bias correction and with decoupled weight decay, as MindSpore's:
    param -= lr * (m / (sqrt(v) + eps) + weight_decay * param)."""

    def __init__(self, params, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-6, weight_decay=0.0):
        super().__init__(learning_rate, params, weight_decay)
        _check_betas("AdamWeightDecay", beta1, beta2, eps)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.moments1 = self._clone("adam_m", 0)
        self.moments2 = self._clone("adam_v", 0)

    def _update(self, i, p, g, lr, wd, ctx):
        m, v = self.moments1[i], self.moments2[i]
        m_new = m * self.beta1 + g * (1 - self.beta1)
        v_new = v * self.beta2 + ops.square(g) * (1 - self.beta2)
        step = m_new / (ops.sqrt(v_new) + self.eps)
        if wd:
            step = step + p * wd
        return [(p, p - lr * step), (m, m_new), (v, v_new)]


def _type_name(v):
    return type(v).__name__


def _check_type(name, arg, v, types):
    """MindSpore's exact type check: a float argument refuses an int, and a bool is no int."""
    want = types[0].__name__
    if type(v) not in types:
        raise TypeError(f"For '{name}', the type of '{arg}' should be '{want}', but got type '{_type_name(v)}'.")


def _check_float(name, arg, v, low=None, strict=False):
    """A float argument (TypeError otherwise) that is >= low (> low when strict), as MindSpore checks it."""
    _check_type(name, arg, v, (float,))
    if low is not None and (v <= low if strict else v < low):
        raise ValueError(f"For '{name}', the '{arg}' must be float and must {'>' if strict else '>='} {low:g}, "
                         f"but got '{v}' with type 'float'.")


def _check_range(name, arg, v, inclusive):
    """A float in (0, 1), or [0, 1] when inclusive."""
    _check_type(name, arg, v, (float,))
    inside = 0.0 <= v <= 1.0 if inclusive else 0.0 < v < 1.0
    if not inside:
        span = "[0.0, 1.0]" if inclusive else "(0.0, 1.0)"
        raise ValueError(f"For '{name}', the '{arg}' must be in range of {span}, but got {v} with type 'float'.")


class Adagrad(Optimizer):
    """accum += grad^2; param -= lr * grad / sqrt(accum) (no epsilon), accum starting at `accum`.

    update_slots is checked and kept but, as in MindSpore 2.7.2 on CPU, accum grows either way."""

    def __init__(self, params, accum=0.1, learning_rate=0.001, update_slots=True, loss_scale=1.0, weight_decay=0.0):
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        _check_float("Adagrad", "accum", accum)
        _check_type("Adagrad", "update_slots", update_slots, (bool,))
        _check_float("Adagrad", "accum", accum, 0.0)
        self.update_slots = update_slots
        self.accum = self._clone("accum", accum)

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        a_new = self.accum[i] + ops.square(g)
        return [(p, p - lr * g / ops.sqrt(a_new)), (self.accum[i], a_new)]


class RMSProp(Optimizer):
    """mean_square = decay * mean_square + (1 - decay) * grad^2 (starting at ones);
    moment = momentum * moment + lr * grad / sqrt(mean_square + epsilon); param -= moment.
    centered subtracts mean_grad^2 (mean_grad, the running mean of the gradient) under the root."""

    def __init__(self, params, learning_rate=0.1, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, loss_scale=1.0, weight_decay=0.0):
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        _check_float("RMSProp", "decay", decay, 0.0)
        _check_float("RMSProp", "momentum", momentum, 0.0)
        _check_float("RMSProp", "epsilon", epsilon, 0.0, strict=True)
        _check_type("RMSProp", "use_locking", use_locking, (bool,))
        _check_type("RMSProp", "centered", centered, (bool,))
        self.decay, self.momentum, self.epsilon = decay, momentum, epsilon
        self.use_locking, self.centered = use_locking, centered
        if centered:  # created first: MindSpore lists (and saves) mean_grad before mean_square
            self.mg = self._clone("mean_grad", 0)
        self.ms = self._clone("mean_square", 1)
        self.moment = self._clone("moment", 0)

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        ms_new = self.ms[i] * self.decay + ops.square(g) * (1 - self.decay)
        out = [(self.ms[i], ms_new)]
        denom = ms_new
        if self.centered:
            mg_new = self.mg[i] * self.decay + g * (1 - self.decay)
            denom = ms_new - ops.square(mg_new)
            out.append((self.mg[i], mg_new))
        mom_new = self.moment[i] * self.momentum + lr * g / ops.sqrt(denom + self.epsilon)
        return out + [(self.moment[i], mom_new), (p, p - mom_new)]


class AdaMax(Optimizer):
    """Adam with the infinity norm: m = beta1 * m + (1 - beta1) * grad; v = max(beta2 * v, |grad|);
    param -= lr / (1 - beta1^t) * m / (v + eps)."""

    def __init__(self, params, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0,
                 loss_scale=1.0):
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        _check_type("AdaMax", "beta1", beta1, (float,))
        _check_type("AdaMax", "beta2", beta2, (float,))
        _check_type("AdaMax", "eps", eps, (float,))
        _check_range("AdaMax", "beta1", beta1, False)
        _check_range("AdaMax", "beta2", beta2, False)
        _check_float("AdaMax", "eps", eps, 0.0, strict=True)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.beta1_power = self._state("beta1_power", Tensor(np.ones(1, np.float32)))
        self.moment1 = self._clone("moment1", 0)
        self.moment2 = self._clone("moment2", 0)

    def _prepare(self):
        b1p = self.beta1_power * self.beta1
        return b1p, ops.reshape(1 - b1p, ())

    def _state_updates(self, ctx):
        return [(self.beta1_power, ctx[0])]

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        m, v = self.moment1[i], self.moment2[i]
        m_new = m * self.beta1 + g * (1 - self.beta1)
        v_new = ops.maximum(v * self.beta2, ops.abs(g))
        step = lr / ops.cast(ctx[1], p.dtype) * m_new / (v_new + self.eps)
        return [(p, p - step), (m, m_new), (v, v_new)]


class Adadelta(Optimizer):
    """accum = rho * accum + (1 - rho) * grad^2; update = sqrt(accum_update + eps) / sqrt(accum + eps) * grad;
    accum_update = rho * accum_update + (1 - rho) * update^2; param -= lr * update."""

    def __init__(self, params, learning_rate=1.0, rho=0.9, epsilon=1e-6, loss_scale=1.0, weight_decay=0.0):
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        _check_type("Adadelta", "rho", rho, (float,))
        _check_type("Adadelta", "epsilon", epsilon, (float,))
        _check_range("Adadelta", "rho", rho, True)
        _check_float("Adadelta", "epsilon", epsilon, 0.0)
        self.rho, self.epsilon = rho, epsilon
        self.accum = self._clone("accum", 0)
        self.accum_update = self._clone("accum_update", 0)

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        a, u = self.accum[i], self.accum_update[i]
        a_new = a * self.rho + ops.square(g) * (1 - self.rho)
        update = ops.sqrt(u + self.epsilon) / ops.sqrt(a_new + self.epsilon) * g
        u_new = u * self.rho + ops.square(update) * (1 - self.rho)
        return [(p, p - lr * update), (a, a_new), (u, u_new)]


class Rprop(Optimizer):
    """Resilient backpropagation: each element's step size (starting at the learning rate) grows by
    etas[1] while the gradient keeps its sign and shrinks by etas[0] when it flips, clipped to
    step_sizes; param -= sign(grad) * step size. After a flip the gradient counts as 0 (no move,
    and no flip at the next step), as in MindSpore. The learning rate is read at the first step only."""

    def __init__(self, params, learning_rate=0.1, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0), weight_decay=0.0):
        super().__init__(learning_rate, params, weight_decay)
        if not isinstance(etas, tuple):
            raise TypeError(f"For Rprop, etas must be a tuple, but got {type(etas)}.")
        if len(etas) != 2:
            raise ValueError(f"For Rprop, etas must be a tuple with the size of 2, but got {len(etas)}.")
        if not isinstance(step_sizes, tuple):
            raise TypeError(f"For Rprop, step_sizes must be a tuple, but got {type(step_sizes)}.")
        if len(step_sizes) != 2:
            raise ValueError(f"For Rprop, step_sizes must be a tuple with the size of 2, but got {len(step_sizes)}.")
        if step_sizes[0] > step_sizes[1]:
            raise ValueError(f"For Rprop, maximal step size should not be less than minimal step size, but got "
                             f"{step_sizes[0]} > {step_sizes[1]}.")
        if type(etas[0]) is not float:
            raise TypeError(f"For 'Rprop', the 'etaminus' must be 'float',  but got '{_type_name(etas[0])}'.")
        _check_range("Rprop", "etaminus", etas[0], False)
        _check_type("Rprop", "etaplus", etas[1], (float,))
        if etas[1] <= 1.0:
            raise ValueError(f"For Rprop, etaplus must be greater than 1.0, but got etaplus {etas[1]}.")
        _check_type("Rprop", "min_step_sizes", step_sizes[0], (float,))
        _check_type("Rprop", "max_step_sizes", step_sizes[1], (float,))
        self.etaminus, self.etaplus = etas
        self.step_size_min, self.step_size_max = step_sizes
        self.prev = self._clone("prev", 0)
        self.step_size = self._clone("step_size", 0)

    def _prepare(self):
        return ops.reshape(self.global_step == 0, ())

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        prev, size = self.prev[i], self.step_size[i]
        size = ops.where(ctx, ops.ones_like(p) * lr, size)
        agree = g * prev
        factor = ops.where(agree > 0, ops.full_like(p, self.etaplus),
                           ops.where(agree < 0, ops.full_like(p, self.etaminus), ops.ones_like(p)))
        size_new = ops.clip_by_value(size * factor, self.step_size_min, self.step_size_max)
        g = ops.where(agree < 0, ops.zeros_like(g), g)
        return [(p, p - ops.sign(g) * size_new), (prev, g), (self.step_size[i], size_new)]


class ASGD(Optimizer):
    """Averaged SGD: param = param * (1 - lambd * eta) - eta * grad, with eta (the learning rate at
    the first step) then lr / (1 + lambd * lr * t)^alpha; ax averages the parameters from step t0
    on (mu = 1 / max(1, t - t0)). State per parameter: 'mu_<param>', 'eta_<param>' (scalars) and
    'ax_.<param>', MindSpore's names."""

    def __init__(self, params, learning_rate=0.1, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0):
        super().__init__(learning_rate, params, weight_decay)
        _check_type("ASGD", "lambd", lambd, (float,))
        _check_type("ASGD", "alpha", alpha, (float,))
        _check_type("ASGD", "t0", t0, (float,))
        self.lambd, self.alpha, self.t0 = lambd, alpha, t0
        self.mu = tuple(self._state(f"mu_{p.name}", Tensor(np.float32(1))) for p in self._parameters)
        self.eta = tuple(self._state(f"eta_{p.name}", Tensor(np.float32(0))) for p in self._parameters)
        self.ax = self._clone("ax_", 0)

    def _prepare(self):
        return ops.reshape(ops.cast(self.global_step + 1, float32), ())  # this step's number, from 1

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        t, mu, eta, ax = ctx, self.mu[i], self.eta[i], self.ax[i]
        lr = ops.cast(lr, float32)
        eta_now = ops.where(t == 1, lr, eta)
        p_new = p * (1 - self.lambd * eta_now) - eta_now * g
        ax_new = ops.where(mu != 1, ax + (p_new - ax) * mu, p_new)
        eta_new = lr / ops.pow(1 + self.lambd * lr * t, self.alpha)
        mu_new = 1 / ops.maximum(t - self.t0, 1.0)
        return [(p, p_new), (ax, ax_new), (eta, eta_new), (mu, mu_new)]


class LazyAdam(Adam):
    """Adam that, given sparse gradients, updates only the rows that have one. Gradients here are
    dense, where every row has one, and MindSpore 2.7.2's LazyAdam then gives Adam's numbers
    (use_nesterov and loss_scale included)."""

    def __init__(self, params, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, use_locking=False,
                 use_nesterov=False, weight_decay=0.0, loss_scale=1.0):
        for arg, v in (("beta1", beta1), ("beta2", beta2), ("eps", eps), ("weight_dacay", weight_decay)):
            _check_type("LazyAdam", arg, v, (float,))  # 'weight_dacay': MindSpore's spelling in this message
        _check_range("LazyAdam", "beta1", beta1, False)
        _check_range("LazyAdam", "beta2", beta2, False)
        _check_float("LazyAdam", "eps", eps, 0.0, strict=True)
        _check_float("LazyAdam", "weight_decay", weight_decay, 0.0)
        _check_type("LazyAdam", "use_locking", use_locking, (bool,))
        _check_type("LazyAdam", "use_nesterov", use_nesterov, (bool,))
        super().__init__(params, learning_rate, beta1, beta2, eps, use_locking, use_nesterov, weight_decay,
                         loss_scale)
        self.use_locking = use_locking


class ProximalAdagrad(Optimizer):
    """Adagrad's step, then the proximal step of the l1 and l2 penalties: accum += grad^2;
    r = lr / sqrt(accum); v = param - r * grad; param = sign(v) * max(|v| - r * l1, 0) / (1 + r * l2)."""

    def __init__(self, params, accum=0.1, learning_rate=0.001, l1=0.0, l2=0.0, use_locking=False, loss_scale=1.0,
                 weight_decay=0.0):
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        for arg, v in (("accum", accum), ("l1", l1), ("l2", l2)):
            _check_type("ProximalAdagrad", arg, v, (float,))
        _check_type("ProximalAdagrad", "use_locking", use_locking, (bool,))
        for arg, v in (("accum", accum), ("l1", l1), ("l2", l2)):
            _check_float("ProximalAdagrad", arg, v, 0.0)
        self.l1, self.l2, self.use_locking = l1, l2, use_locking
        self.accum = self._clone("accum", accum)

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        a_new = self.accum[i] + ops.square(g)
        lr = lr / ops.sqrt(a_new)  # the penalties shrink by the same per-element rate as the step
        v = p - lr * g
        shrunk = ops.maximum(ops.abs(v) - lr * self.l1, 0.0)
        return [(p, ops.sign(v) * shrunk / (1 + lr * self.l2)), (self.accum[i], a_new)]


class FTRL(Optimizer):
    """Follow The Regularized Leader (McMahan et al., 2013): accum_new = accum + g^2;
    linear += g - (accum_new^-p - accum^-p) / lr * param (p = lr_power); param = (sign(linear) l1
    - linear) / (accum_new^-p / lr + 2 l2) where |linear| > l1, else 0. State 'moments.<param>'
    (from initial_accum) and 'linear.<param>'. As in MindSpore, one fixed learning rate: no
    schedule or list, no per-group rate."""

    def __init__(self, params, initial_accum=0.1, learning_rate=0.001, lr_power=-0.5, l1=0.0, l2=0.0,
                 use_locking=False, loss_scale=1.0, weight_decay=0.0):
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        dynamic = not (isinstance(self.learning_rate, Tensor) and self.learning_rate.ndim == 0)
        if dynamic or self._is_group_lr:
            raise ValueError(f"For 'FTRL', dynamic learning rate and group learning rate are currently not supported "
                             f"in FTRL, they should all be false, but got dynamic learning rate {dynamic and not self._is_group_lr} "
                             f"and group learning rate {self._is_group_lr}.")
        _check_float("FTRL", "initial_accum", initial_accum, 0.0)
        _check_type("FTRL", "lr_power", lr_power, (float,))
        if lr_power > 0.0:
            raise ValueError(f"For 'FTRL', the 'lr_power' must be float and must <= 0, but got '{lr_power}' with "
                             "type 'float'.")
        _check_float("FTRL", "l1", l1, 0.0)
        _check_float("FTRL", "l2", l2, 0.0)
        _check_type("FTRL", "use_locking", use_locking, (bool,))
        self.lr_power, self.l1, self.l2, self.use_locking = lr_power, l1, l2, use_locking
        self.moments = self._clone("moments", initial_accum)
        self.linear = self._clone("linear", 0)

    def _update(self, i, p, g, lr, wd, ctx):
        if wd:
            g = g + p * wd
        a, lin = self.moments[i], self.linear[i]
        a_new = a + ops.square(g)
        root, root_new = ops.pow(a, -self.lr_power), ops.pow(a_new, -self.lr_power)
        lin_new = lin + g - (root_new - root) / lr * p
        quadratic = root_new / lr + 2 * self.l2
        p_new = ops.where(ops.abs(lin_new) > self.l1, (ops.sign(lin_new) * self.l1 - lin_new) / quadratic,
                          ops.zeros_like(p))
        return [(p, p_new), (a, a_new), (lin, lin_new)]


__all__ = ["Optimizer", "SGD", "Momentum", "Adam", "AdamWeightDecay", "Adagrad", "RMSProp", "AdaMax", "Adadelta",
           "Rprop", "ASGD", "LazyAdam", "ProximalAdagrad", "FTRL"]
del int32  # float32 stays: ASGD keeps its step count and rates in float32
