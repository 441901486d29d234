"""Adagrad, RMSProp, AdaMax, Adadelta, Rprop, ASGD, LazyAdam, ProximalAdagrad, FTRL against mindspore==2.7.2:
parameters after 3 steps (plain, weight decay, a schedule, groups), eagerly and in a jitted train step, state names,
checkpoints, argument errors, and bad gradients that change nothing."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, nn

W0 = np.array([[0.5, -0.3, 0.2], [0.1, -0.4, 0.6]], np.float32)
B0 = np.array([0.1, -0.2, 0.05], np.float32)
GW = [np.array([[0.3, -0.2, 0.1], [0.05, 0.4, -0.6]], np.float32),
      np.array([[0.25, 0.1, -0.1], [-0.05, 0.3, -0.5]], np.float32),
      np.array([[-0.1, -0.3, 0.2], [0.02, 0.35, -0.4]], np.float32)]
GB = [np.array([0.2, -0.1, 0.0], np.float32), np.array([0.1, 0.05, 0.3], np.float32),
      np.array([-0.2, 0.1, 0.25], np.float32)]

MAKE = {
    "Adagrad": lambda p, k: nn.Adagrad(p, **{"learning_rate": 0.05, **k}),
    "Adagrad_noslots": lambda p, k: nn.Adagrad(p, accum=0.2, update_slots=False, **{"learning_rate": 0.05, **k}),
    "RMSProp": lambda p, k: nn.RMSProp(p, **{"learning_rate": 0.05, **k}),
    "RMSProp_mc": lambda p, k: nn.RMSProp(p, decay=0.8, momentum=0.5, epsilon=1e-6, centered=True,
                                          **{"learning_rate": 0.05, **k}),
    "AdaMax": lambda p, k: nn.AdaMax(p, **{"learning_rate": 0.05, **k}),
    "Adadelta": lambda p, k: nn.Adadelta(p, **{"learning_rate": 0.05, **k}),
    "Adadelta_r": lambda p, k: nn.Adadelta(p, rho=0.5, epsilon=1e-3, **{"learning_rate": 0.05, **k}),
    "Rprop": lambda p, k: nn.Rprop(p, **{"learning_rate": 0.05, **k}),
    "ASGD": lambda p, k: nn.ASGD(p, **{"learning_rate": 0.05, **k}),
    "ASGD_t0": lambda p, k: nn.ASGD(p, lambd=0.1, alpha=0.5, t0=1.0, **{"learning_rate": 0.05, **k}),
    # dense gradients: MindSpore's LazyAdam gives Adam's numbers (nn.Adam's are the same as "LazyAdam"'s)
    "LazyAdam": lambda p, k: nn.LazyAdam(p, **{"learning_rate": 0.05, **k}),
    "LazyAdam_n": lambda p, k: nn.LazyAdam(p, use_nesterov=True, loss_scale=2.0, **{"learning_rate": 0.05, **k}),
    "ProximalAdagrad": lambda p, k: nn.ProximalAdagrad(p, **{"learning_rate": 0.05, **k}),
    "ProximalAdagrad_l": lambda p, k: nn.ProximalAdagrad(p, l1=0.01, l2=0.1, **{"learning_rate": 0.05, **k}),
}

# mindspore==2.7.2 CPU, PyNative: Parameters w (W0) and b (B0), optimizer((GW[t], GB[t])) for t = 0, 1, 2;
# w and b after the third step, and parameters_and_names(). Adagrad_noslots shows that MindSpore's
# Adagrad grows accum even with update_slots=False.
MS = {
    "Adagrad": dict(
        plain=([[0.4504707157611847, -0.25556522607803345, 0.17435818910598755], [0.09682627767324448, -0.49003660678863525, 0.6953443884849548]],
            [0.08330550789833069, -0.20666371285915375, -0.00928829051554203]),
        wd=([[0.44133883714675903, -0.24795027077198029, 0.1673433482646942], [0.09242957830429077, -0.48554927110671997, 0.6917175054550171]],
            [0.08082492649555206, -0.19857510924339294, -0.010331761091947556]),
        sched=([[0.4555894136428833, -0.2720741927623749, 0.18589133024215698], [0.09527884423732758, -0.4582652151584625, 0.6644279360771179]],
            [0.07255430519580841, -0.19222265481948853, 0.026574837043881416]),
        groups=([[0.4732363820075989, -0.2762424051761627, 0.1841588318347931], [0.09516341239213943, -0.4323034882545471, 0.6350811719894409]],
            [0.08330550789833069, -0.20666371285915375, -0.00928829051554203]),
        names=['global_step', 'learning_rate', 'w', 'b', 'accum.w', 'accum.b']),
    "Adagrad_noslots": dict(
        plain=([[0.45939645171165466, -0.2638627886772156, 0.1801375299692154], [0.09775953739881516, -0.4788226783275604, 0.6881739497184753]],
            [0.08815712481737137, -0.20511233806610107, 0.0010919030755758286]),
        wd=([[0.45032379031181335, -0.257102370262146, 0.17452970147132874], [0.09455931186676025, -0.47357961535453796, 0.6836437582969666]],
            [0.08592545241117477, -0.19900625944137573, 0.00016274303197860718]),
        sched=([[0.4636949598789215, -0.2781563997268677, 0.18951621651649475], [0.09665361791849136, -0.4502958357334137, 0.6590548157691956]],
            [0.07922996580600739, -0.1944507211446762, 0.030809400603175163]),
        groups=([[0.4767814576625824, -0.2802039086818695, 0.18757914006710052], [0.09651561081409454, -0.4272080659866333, 0.6314325332641602]],
            [0.08815712481737137, -0.20511233806610107, 0.0010919030755758286]),
        names=['global_step', 'learning_rate', 'w', 'b', 'accum.w', 'accum.b']),
    "RMSProp": dict(
        plain=([[0.47630056738853455, -0.27761030197143555, 0.18861499428749084], [0.09897126257419586, -0.45737138390541077, 0.6802591681480408]],
            [0.09558986127376556, -0.20335619151592255, 0.018926983699202538]),
        wd=([[0.46840548515319824, -0.27278202772140503, 0.18533985316753387], [0.09732668846845627, -0.45066845417022705, 0.6705902218818665]],
            [0.09409146010875702, -0.2000865936279297, 0.01820537820458412]),
        sched=([[0.4788335859775543, -0.287899374961853, 0.19459035992622375], [0.09846090525388718, -0.43412330746650696, 0.6500320434570312]],
            [0.0896243155002594, -0.19758236408233643, 0.03808803856372833]),
        groups=([[0.48409798741340637, -0.2871423065662384, 0.19281136989593506], [0.09826487302780151, -0.4177130460739136, 0.6245226263999939]],
            [0.09558986127376556, -0.20335619151592255, 0.018926983699202538]),
        names=['global_step', 'learning_rate', 'w', 'b', 'mean_square.w', 'mean_square.b', 'moment.w', 'moment.b']),
    "RMSProp_mc": dict(
        plain=([[0.45463961362838745, -0.26925963163375854, 0.18572863936424255], [0.09839759021997452, -0.48979833722114563, 0.7276192903518677]],
            [0.08495744317770004, -0.20187123119831085, 0.0050047170370817184]),
        wd=([[0.4424762427806854, -0.2617786228656769, 0.18063431978225708], [0.0958341583609581, -0.4794137477874756, 0.712933361530304]],
            [0.08264834433794022, -0.19677668809890747, 0.0038580913096666336]),
        sched=([[0.46106234192848206, -0.2800278663635254, 0.19143961369991302], [0.0971028208732605, -0.458220511674881, 0.6855558753013611]],
            [0.07929013669490814, -0.19430802762508392, 0.03179772570729256]),
        groups=([[0.47196587920188904, -0.28164124488830566, 0.19018200039863586], [0.09728993475437164, -0.4278138279914856, 0.6395196318626404]],
            [0.08495744317770004, -0.20187123119831085, 0.0050047170370817184]),
        names=['global_step', 'learning_rate', 'w', 'b', 'mean_grad.w', 'mean_grad.b', 'mean_square.w', 'mean_square.b', 'moment.w', 'moment.b']),
    "AdaMax": dict(
        plain=([[0.3816627562046051, -0.2165849208831787, 0.13501165807247162], [0.04690631106495857, -0.5370941758155823, 0.7368243932723999]],
            [0.008323975838720798, -0.1512712687253952, -0.008328115567564964]),
        wd=([[0.37823864817619324, -0.20965595543384552, 0.12472037971019745], [0.03597170487046242, -0.5345722436904907, 0.7346208095550537]],
            [0.007318522315472364, -0.1371954381465912, -0.05880764126777649]),
        sched=([[0.4215007722377777, -0.23901201784610748, 0.14691081643104553], [0.049884479492902756, -0.4826396703720093, 0.6831210255622864]],
            [0.030361251905560493, -0.14768360555171967, 0.028839025646448135]),
        groups=([[0.44979843497276306, -0.2613596022129059, 0.16620174050331116], [0.06916667520999908, -0.4531480371952057, 0.6531376242637634]],
            [0.008323975838720798, -0.1512712687253952, -0.008328115567564964]),
        names=['global_step', 'learning_rate', 'w', 'b', 'beta1_power', 'moment1.w', 'moment1.b', 'moment2.w', 'moment2.b']),
    "Adadelta": dict(
        plain=([[0.49976488947868347, -0.29974624514579773, 0.1997767984867096], [0.09992481023073196, -0.4004534184932709, 0.6004337072372437]],
            [0.09990700334310532, -0.2001154124736786, 0.04969433322548866]),
        wd=([[0.499722957611084, -0.29971951246261597, 0.1997535526752472], [0.09986598044633865, -0.4004489481449127, 0.6004267334938049]],
            [0.09989456087350845, -0.20003005862236023, 0.04946788772940636]),
        sched=([[0.49978575110435486, -0.29984405636787415, 0.19986620545387268], [0.09990333020687103, -0.4002665877342224, 0.6002639532089233]],
            [0.09983212500810623, -0.1999363750219345, 0.04988405480980873]),
        groups=([[0.49987611174583435, -0.2998773157596588, 0.1998916119337082], [0.09992627799510956, -0.4001772403717041, 0.6001670360565186]],
            [0.09990700334310532, -0.2001154124736786, 0.04969433322548866]),
        names=['global_step', 'learning_rate', 'w', 'b', 'accum.w', 'accum.b', 'accum_update.w', 'accum_update.b']),
    "Adadelta_r": dict(
        plain=([[0.49682334065437317, -0.2966022789478302, 0.1971057802438736], [0.09921611845493317, -0.4072244167327881, 0.6070042252540588]],
            [0.09877684712409973, -0.20196731388568878, 0.045412298291921616]),
        wd=([[0.4960188567638397, -0.29624876379966736, 0.19681188464164734], [0.09844288229942322, -0.4071495831012726, 0.6069024205207825]],
            [0.09864892065525055, -0.20085950195789337, 0.045135248452425]),
        sched=([[0.4969530999660492, -0.2979505956172943, 0.19832605123519897], [0.09901376068592072, -0.4040428698062897, 0.6040240526199341]],
            [0.09762093424797058, -0.19934919476509094, 0.04830016568303108]),
        groups=([[0.49813705682754517, -0.2983350455760956, 0.1985970437526703], [0.09909704327583313, -0.4028206765651703, 0.6027074456214905]],
            [0.09877684712409973, -0.20196731388568878, 0.045412298291921616]),
        names=['global_step', 'learning_rate', 'w', 'b', 'accum.w', 'accum.b', 'accum_update.w', 'accum_update.b']),
    "Rprop": dict(
        plain=([[0.38999998569488525, -0.22499999403953552, 0.125], [0.02500000037252903, -0.5820000171661377, 0.7820000648498535]],
            [-0.010000001639127731, -0.17500001192092896, -0.06000000238418579]),
        wd=([[0.38999998569488525, -0.22499999403953552, 0.125], [0.02500000037252903, -0.5820000171661377, 0.7820000648498535]],
            [-0.010000001639127731, -0.17500001192092896, -0.13199999928474426]),
        sched=([[0.38999998569488525, -0.22499999403953552, 0.125], [0.02500000037252903, -0.5820000171661377, 0.7820000648498535]],
            [-0.010000001639127731, -0.17500001192092896, -0.06000000238418579]),
        groups=([[0.4560000002384186, -0.27000001072883606, 0.17000000178813934], [0.07000000029802322, -0.47280001640319824, 0.6728000044822693]],
            [-0.010000001639127731, -0.17500001192092896, -0.06000000238418579]),
        names=['global_step', 'learning_rate', 'w', 'b', 'prev.w', 'prev.b', 'step_size.w', 'step_size.b']),
    "ASGD": dict(
        plain=([[0.4774927496910095, -0.2799956798553467, 0.18999707698822021], [0.09899850934743881, -0.4524935483932495, 0.6749903559684753]],
            [0.09499857574701309, -0.20249700546264648, 0.02249947562813759]),
        wd=([[0.47024235129356384, -0.27559298276901245, 0.18703697621822357], [0.09751845896244049, -0.4462490975856781, 0.6656111478805542]],
            [0.0936308354139328, -0.19954939186573029, 0.02182822674512863]),
        sched=([[0.4749939441680908, -0.2874963581562042, 0.19499751925468445], [0.09949874877929688, -0.4437447190284729, 0.664992094039917]],
            [0.08999884128570557, -0.19999752938747406, 0.028749490156769753]),
        groups=([[0.48508891463279724, -0.2884365916252136, 0.1936163604259491], [0.09840817749500275, -0.41612881422042847, 0.6226892471313477]],
            [0.09499857574701309, -0.20249700546264648, 0.02249947562813759]),
        names=['global_step', 'learning_rate', 'w', 'b', 'mu_w', 'mu_b', 'eta_w', 'eta_b', 'ax_.w', 'ax_.b']),
    "ASGD_t0": dict(
        plain=([[0.47027334570884705, -0.27567005157470703, 0.18708442151546478], [0.09752235561609268, -0.44614729285240173, 0.6654833555221558]],
            [0.09359819442033768, -0.19952860474586487, 0.02192942425608635]),
        wd=([[0.46311378479003906, -0.27132225036621094, 0.18416109681129456], [0.09606069326400757, -0.43997922539711, 0.6562188267707825]],
            [0.09224792569875717, -0.19661769270896912, 0.021266883239150047]),
        sched=([[0.4689522683620453, -0.28383901715278625, 0.19253860414028168], [0.09826432168483734, -0.4385315477848053, 0.6571676135063171]],
            [0.08884397149085999, -0.19753237068653107, 0.028218664228916168]),
        groups=([[0.4821653366088867, -0.28668344020843506, 0.19244301319122314], [0.09781831502914429, -0.41369879245758057, 0.6190462112426758]],
            [0.09359819442033768, -0.19952860474586487, 0.02192942425608635]),
        names=['global_step', 'learning_rate', 'w', 'b', 'mu_w', 'mu_b', 'eta_w', 'eta_b', 'ax_.w', 'ax_.b']),
    "LazyAdam": dict(
        plain=([[0.3712615668773651, -0.2049175351858139, 0.12771980464458466], [0.04589007422327995, -0.5485582947731018, 0.748218834400177]],
            [-0.0021477884147316217, -0.15031810104846954, -0.029750589281320572]),
        wd=([[0.3665405809879303, -0.19471022486686707, 0.11528751254081726], [0.032308291643857956, -0.5480353832244873, 0.7476673126220703]],
            [-0.0033421108964830637, -0.1327650398015976, -0.08058325201272964]),
        sched=([[0.41792580485343933, -0.2354002594947815, 0.14508797228336334], [0.04963064566254616, -0.48692166805267334, 0.686944305896759]],
            [0.025310922414064407, -0.14675045013427734, 0.020760683342814445]),
        groups=([[0.44496068358421326, -0.25407108664512634, 0.1607758104801178], [0.0653080940246582, -0.45904165506362915, 0.6588621139526367]],
            [-0.0021477884147316217, -0.15031810104846954, -0.029750589281320572]),
        names=['global_step', 'learning_rate', 'w', 'b', 'beta1_power', 'beta2_power', 'moment1.w', 'moment1.b', 'moment2.w', 'moment2.b']),
    "LazyAdam_n": dict(
        plain=([[0.31823885440826416, -0.15545450150966644, 0.0851781815290451], [0.018918408080935478, -0.624360203742981, 0.8217920064926147]],
            [-0.03727443516254425, -0.14323687553405762, -0.07943589240312576]),
        wd=([[0.30611345171928406, -0.13305209577083588, 0.05984796583652496], [0.0002421569952275604, -0.6188752055168152, 0.816352367401123]],
            [-0.0362098291516304, -0.10481040924787521, -0.175010547041893]),
        sched=([[0.3662026822566986, -0.1937790811061859, 0.1072159931063652], [0.015651468187570572, -0.5439766645431519, 0.7438051700592041]],
            [-0.02021683007478714, -0.11572488397359848, -3.212605224689469e-05]),
        groups=([[0.4179087281227112, -0.2246387004852295, 0.13159267604351044], [0.04220742732286453, -0.48554831743240356, 0.6839752197265625]],
            [-0.03727443516254425, -0.14323687553405762, -0.07943589240312576]),
        names=['global_step', 'learning_rate', 'w', 'b', 'beta1_power', 'beta2_power', 'moment1.w', 'moment1.b', 'moment2.w', 'moment2.b']),
    "ProximalAdagrad": dict(
        plain=([[0.4504707157611847, -0.25556522607803345, 0.17435818910598755], [0.09682627767324448, -0.49003660678863525, 0.6953443884849548]],
            [0.08330550044775009, -0.20666371285915375, -0.009288289584219456]),
        wd=([[0.4413388669490814, -0.24795027077198029, 0.1673433482646942], [0.09242957830429077, -0.48554927110671997, 0.6917175054550171]],
            [0.08082491904497147, -0.19857510924339294, -0.010331762954592705]),
        sched=([[0.4555894136428833, -0.2720741927623749, 0.18589133024215698], [0.09527884423732758, -0.4582652151584625, 0.6644279360771179]],
            [0.07255429029464722, -0.19222265481948853, 0.026574837043881416]),
        groups=([[0.4732363820075989, -0.2762424051761627, 0.1841588318347931], [0.09516341239213943, -0.4323034882545471, 0.6350811719894409]],
            [0.08330550044775009, -0.20666371285915375, -0.009288289584219456]),
        names=['global_step', 'learning_rate', 'w', 'b', 'accum.w', 'accum.b']),
    "ProximalAdagrad_l": dict(
        plain=([[0.43358519673347473, -0.24229009449481964, 0.16264435648918152], [0.08798294514417648, -0.4759235084056854, 0.6811773180961609]],
            [0.0769757404923439, -0.1939997673034668, -0.011795049533247948]),
        wd=([[0.4261471629142761, -0.23547309637069702, 0.15614162385463715], [0.08387856930494308, -0.4704535901546478, 0.6762521862983704]],
            [0.07470574975013733, -0.18643242120742798, -0.012768969871103764]),
        sched=([[0.4451386034488678, -0.26381975412368774, 0.17872577905654907], [0.09011314809322357, -0.44972899556159973, 0.6557393074035645]],
            [0.06873024255037308, -0.1848694235086441, 0.02318963035941124]),
        groups=([[0.467303991317749, -0.27115824818611145, 0.1795421689748764], [0.09163666516542435, -0.4261297583580017, 0.6285540461540222]],
            [0.0769757404923439, -0.1939997673034668, -0.011795049533247948]),
        names=['global_step', 'learning_rate', 'w', 'b', 'accum.w', 'accum.b']),
}


def make(name, kind):
    w, b = Parameter(Tensor(W0), name="w"), Parameter(Tensor(B0), name="b")
    kw = {"wd": {"weight_decay": 0.1}, "sched": {"learning_rate": nn.ExponentialDecayLR(0.05, 0.5, 1)},
          "groups": {"learning_rate": 0.05}}.get(kind, {})
    params = [{"params": [w], "lr": 0.02, "weight_decay": 0.2}, {"params": [b]}] if kind == "groups" else [w, b]
    return w, b, MAKE[name](params, kw)


def grads(t):
    return Tensor(GW[t]), Tensor(GB[t])


def check(w, b, expected):
    # atol: a value that ends near 0 after moves of ~0.1 keeps only float32's absolute precision
    # (Adam's b[0]: -0.0021471 here, -0.0021478 in MindSpore, -0.0021480 in float64)
    np.testing.assert_allclose(w.asnumpy(), expected[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.asnumpy(), expected[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["plain", "wd", "sched", "groups"])
@pytest.mark.parametrize("name", list(MAKE))
def test_three_steps_match_mindspore(name, kind):
    w, b, opt = make(name, kind)
    for t in range(3):
        assert opt(grads(t)) == (True, True)
    check(w, b, MS[name][kind])


@pytest.mark.parametrize("name", list(MAKE))
def test_a_jitted_train_step_matches_mindspore_and_the_eager_update(name):
    # loss = sum(w * gw) + sum(b * gb): its gradients are (gw, gb), so forward, backward and the
    # update run as one graph on MindSpore's gradients.
    w, b, opt = make(name, "sched")
    grad_fn = gg.value_and_grad(lambda gw, gb: (w * gw).sum() + (b * gb).sum(), None, opt.parameters)

    @gg.jit
    def step(gw, gb):
        loss, g = grad_fn(gw, gb)
        opt(g)
        return loss

    w2, b2, eager = make(name, "sched")
    for t in range(3):
        step(*grads(t))
        eager(grads(t))
    check(w, b, MS[name]["sched"])
    np.testing.assert_allclose(w.asnumpy(), w2.asnumpy(), rtol=1e-7, atol=0)
    np.testing.assert_allclose(b.asnumpy(), b2.asnumpy(), rtol=1e-7, atol=0)
    for (n, p), (n2, p2) in zip(opt.parameters_and_names(), eager.parameters_and_names()):
        assert n == n2
        np.testing.assert_allclose(p.asnumpy(), p2.asnumpy(), rtol=1e-7, atol=0, err_msg=n)


@pytest.mark.parametrize("name", list(MAKE))
def test_state_parameter_names_are_mindspores(name):
    w, b, opt = make(name, "plain")
    assert [n for n, _ in opt.parameters_and_names()] == MS[name]["names"]
    assert [p.name for _, p in opt.parameters_and_names()] == MS[name]["names"]


@pytest.mark.parametrize("name", list(MAKE))
def test_state_round_trips_through_a_checkpoint(name, tmp_path):
    pytest.importorskip("google.protobuf")
    w, b, opt = make(name, "plain")
    for t in range(2):
        opt(grads(t))
    path = str(tmp_path / "opt.ckpt")
    gg.save_checkpoint(opt, path)
    w2, b2, opt2 = make(name, "plain")
    not_loaded, _ = gg.load_param_into_net(opt2, gg.load_checkpoint(path))
    assert not_loaded == []
    for (n, p), (_, p2) in zip(opt.parameters_and_names(), opt2.parameters_and_names()):
        np.testing.assert_array_equal(p2.asnumpy(), p.asnumpy(), err_msg=n)
    opt2(grads(2))  # the third step continues from the loaded state
    check(w2, b2, MS[name]["plain"])


@pytest.mark.parametrize("name", list(MAKE))
def test_bad_gradients_change_no_parameter(name):
    w, b, opt = make(name, "plain")
    opt(grads(0))
    before = {n: p.asnumpy().copy() for n, p in opt.parameters_and_names()}
    with pytest.raises(ValueError, match="has shape"):
        opt((Tensor(GW[1]), Tensor(GB[1][:2])))
    with pytest.raises(TypeError, match="must be a float tensor"):
        opt((Tensor(GW[1]), Tensor(np.ones(3, np.int32))))
    for n, p in opt.parameters_and_names():
        np.testing.assert_array_equal(p.asnumpy(), before[n], err_msg=n)


W = Parameter(Tensor(np.ones(2, np.float32)), name="w")


@pytest.mark.parametrize("call, error, message", [
    # mindspore==2.7.2's error types and messages
    (lambda: nn.Adagrad([W], accum=1), TypeError, "For 'Adagrad', the type of 'accum' should be 'float', but got type 'int'."),
    (lambda: nn.Adagrad([W], accum=True), TypeError, "For 'Adagrad', the type of 'accum' should be 'float', but got type 'bool'."),
    (lambda: nn.Adagrad([W], accum=-0.1), ValueError, "For 'Adagrad', the 'accum' must be float and must >= 0, but got '-0.1' with type 'float'."),
    (lambda: nn.Adagrad([W], update_slots=1), TypeError, "For 'Adagrad', the type of 'update_slots' should be 'bool', but got type 'int'."),
    (lambda: nn.RMSProp([W], decay=1), TypeError, "For 'RMSProp', the type of 'decay' should be 'float', but got type 'int'."),
    (lambda: nn.RMSProp([W], decay=-0.1), ValueError, "For 'RMSProp', the 'decay' must be float and must >= 0, but got '-0.1' with type 'float'."),
    (lambda: nn.RMSProp([W], momentum=-0.5), ValueError, "For 'RMSProp', the 'momentum' must be float and must >= 0, but got '-0.5' with type 'float'."),
    (lambda: nn.RMSProp([W], epsilon=0.0), ValueError, "For 'RMSProp', the 'epsilon' must be float and must > 0, but got '0.0' with type 'float'."),
    (lambda: nn.RMSProp([W], epsilon=1), TypeError, "For 'RMSProp', the type of 'epsilon' should be 'float', but got type 'int'."),
    (lambda: nn.RMSProp([W], use_locking=0), TypeError, "For 'RMSProp', the type of 'use_locking' should be 'bool', but got type 'int'."),
    (lambda: nn.RMSProp([W], centered=1), TypeError, "For 'RMSProp', the type of 'centered' should be 'bool', but got type 'int'."),
    (lambda: nn.AdaMax([W], beta1=1.0), ValueError, "For 'AdaMax', the 'beta1' must be in range of (0.0, 1.0), but got 1.0 with type 'float'."),
    (lambda: nn.AdaMax([W], beta2=0.0), ValueError, "For 'AdaMax', the 'beta2' must be in range of (0.0, 1.0), but got 0.0 with type 'float'."),
    (lambda: nn.AdaMax([W], eps=0.0), ValueError, "For 'AdaMax', the 'eps' must be float and must > 0, but got '0.0' with type 'float'."),
    (lambda: nn.AdaMax([W], beta1=1), TypeError, "For 'AdaMax', the type of 'beta1' should be 'float', but got type 'int'."),
    (lambda: nn.Adadelta([W], rho=1.5), ValueError, "For 'Adadelta', the 'rho' must be in range of [0.0, 1.0], but got 1.5 with type 'float'."),
    (lambda: nn.Adadelta([W], rho=1), TypeError, "For 'Adadelta', the type of 'rho' should be 'float', but got type 'int'."),
    (lambda: nn.Adadelta([W], epsilon=-1.0), ValueError, "For 'Adadelta', the 'epsilon' must be float and must >= 0, but got '-1.0' with type 'float'."),
    (lambda: nn.Rprop([W], etas=[0.5, 1.2]), TypeError, "For Rprop, etas must be a tuple, but got <class 'list'>."),
    (lambda: nn.Rprop([W], etas=(0.5,)), ValueError, "For Rprop, etas must be a tuple with the size of 2, but got 1."),
    # MindSpore names the type of etas here (<class 'tuple'>); this names the step_sizes given
    (lambda: nn.Rprop([W], step_sizes=[1e-6, 50.]), TypeError, "For Rprop, step_sizes must be a tuple, but got <class 'list'>."),
    (lambda: nn.Rprop([W], step_sizes=(1.,)), ValueError, "For Rprop, step_sizes must be a tuple with the size of 2, but got 1."),
    (lambda: nn.Rprop([W], step_sizes=(2., 1.)), ValueError, "For Rprop, maximal step size should not be less than minimal step size, but got 2.0 > 1.0."),
    (lambda: nn.Rprop([W], etas=(1.5, 1.2)), ValueError, "For 'Rprop', the 'etaminus' must be in range of (0.0, 1.0), but got 1.5 with type 'float'."),
    (lambda: nn.Rprop([W], etas=(0, 1.2)), TypeError, "For 'Rprop', the 'etaminus' must be 'float',  but got 'int'."),
    (lambda: nn.Rprop([W], etas=(0.5, 1)), TypeError, "For 'Rprop', the type of 'etaplus' should be 'float', but got type 'int'."),
    (lambda: nn.Rprop([W], etas=(0.5, 0.9)), ValueError, "For Rprop, etaplus must be greater than 1.0, but got etaplus 0.9."),
    (lambda: nn.Rprop([W], step_sizes=(0, 50.)), TypeError, "For 'Rprop', the type of 'min_step_sizes' should be 'float', but got type 'int'."),
    (lambda: nn.Rprop([W], step_sizes=(1e-6, 50)), TypeError, "For 'Rprop', the type of 'max_step_sizes' should be 'float', but got type 'int'."),
    (lambda: nn.LazyAdam([W], weight_decay=0), TypeError, "For 'LazyAdam', the type of 'weight_dacay' should be 'float', but got type 'int'."),
    (lambda: nn.LazyAdam([W], beta1=1), TypeError, "For 'LazyAdam', the type of 'beta1' should be 'float', but got type 'int'."),
    (lambda: nn.LazyAdam([W], beta2=1.0), ValueError, "For 'LazyAdam', the 'beta2' must be in range of (0.0, 1.0), but got 1.0 with type 'float'."),
    (lambda: nn.LazyAdam([W], eps=0.0), ValueError, "For 'LazyAdam', the 'eps' must be float and must > 0, but got '0.0' with type 'float'."),
    (lambda: nn.LazyAdam([W], weight_decay=-1.0), ValueError, "For 'LazyAdam', the 'weight_decay' must be float and must >= 0, but got '-1.0' with type 'float'."),
    (lambda: nn.LazyAdam([W], use_nesterov=1), TypeError, "For 'LazyAdam', the type of 'use_nesterov' should be 'bool', but got type 'int'."),
    (lambda: nn.LazyAdam([W], use_locking=1), TypeError, "For 'LazyAdam', the type of 'use_locking' should be 'bool', but got type 'int'."),
    (lambda: nn.ProximalAdagrad([W], accum=1), TypeError, "For 'ProximalAdagrad', the type of 'accum' should be 'float', but got type 'int'."),
    (lambda: nn.ProximalAdagrad([W], l1=0), TypeError, "For 'ProximalAdagrad', the type of 'l1' should be 'float', but got type 'int'."),
    (lambda: nn.ProximalAdagrad([W], l2=-1.0), ValueError, "For 'ProximalAdagrad', the 'l2' must be float and must >= 0, but got '-1.0' with type 'float'."),
    (lambda: nn.ProximalAdagrad([W], accum=-1.0), ValueError, "For 'ProximalAdagrad', the 'accum' must be float and must >= 0, but got '-1.0' with type 'float'."),
    (lambda: nn.ProximalAdagrad([W], use_locking=0), TypeError, "For 'ProximalAdagrad', the type of 'use_locking' should be 'bool', but got type 'int'."),
    (lambda: nn.ASGD([W], lambd=1), TypeError, "For 'ASGD', the type of 'lambd' should be 'float', but got type 'int'."),
    (lambda: nn.ASGD([W], alpha=1), TypeError, "For 'ASGD', the type of 'alpha' should be 'float', but got type 'int'."),
    (lambda: nn.ASGD([W], t0=1), TypeError, "For 'ASGD', the type of 't0' should be 'float', but got type 'int'."),
])
def test_argument_errors_are_mindspores(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


def test_arguments_mindspore_accepts():
    # mindspore==2.7.2 takes these too (a decay above 1, Adadelta's rho 1 with epsilon 0, a negative lambd)
    nn.RMSProp([W], decay=1.5)
    nn.Adadelta([W], rho=1.0, epsilon=0.0)
    nn.ASGD([W], lambd=-1.0)


# FTRL: one fixed learning rate (MindSpore refuses a schedule, a list and per-group rates), so it
# is checked here rather than in the four-kind tables above.
FTRL_MS = dict(  # mindspore==2.7.2 CPU, nn.FTRL(learning_rate=0.05), as MS above
    plain=([[0.08773259073495865, -0.0020189271308481693, -0.016334328800439835],
            [-0.0019466832745820284, -0.24196717143058777, 0.4155929386615753]],
           [-0.0012099192244932055, -0.015971187502145767, -0.05928828939795494]),
    wd=([[0.11155735701322556, -0.009922639466822147, -0.015235594473779202],
         [-0.0028458191081881523, -0.2245013564825058, 0.3909012973308563]],
        [-0.0006486370111815631, -0.016649790108203888, -0.05980174243450165]),
    linear_w=[[-0.8989914655685425, 0.019781365990638733, 0.13067463040351868],
              [0.012639956548810005, 3.3264987468719482, -7.752786159515381]],
    names=['global_step', 'learning_rate', 'w', 'b', 'moments.w', 'moments.b', 'linear.w', 'linear.b'])


def ftrl_params():
    return Parameter(Tensor(W0), name="w"), Parameter(Tensor(B0), name="b")


def ftrl_reference(l1, l2, lr_power, lr=0.05, steps=3):
    """The documented rule in float64 numpy (what nn.FTRL computes for any l1, l2, lr_power)."""
    w, accum, lin = W0.astype(np.float64), np.full(W0.shape, 0.1), np.zeros(W0.shape)
    for t in range(steps):
        g = GW[t].astype(np.float64)
        new = accum + g * g
        lin = lin + g - (new ** -lr_power - accum ** -lr_power) / lr * w
        w = np.where(np.abs(lin) > l1, (np.sign(lin) * l1 - lin) / (new ** -lr_power / lr + 2 * l2), 0.0)
        accum = new
    return w


def test_ftrl_matches_mindspore():
    for kind, kw in (("plain", {}), ("wd", {"weight_decay": 0.1})):
        w, b = ftrl_params()
        opt = nn.FTRL([w, b], learning_rate=0.05, **kw)
        for t in range(3):
            opt(grads(t))
        check(w, b, FTRL_MS[kind])
    w, b = ftrl_params()
    opt = nn.FTRL([w, b], learning_rate=0.05)
    for t in range(3):
        opt(grads(t))
    np.testing.assert_allclose(opt.linear[0].asnumpy(), FTRL_MS["linear_w"], rtol=1e-5)
    assert [n for n, _ in opt.parameters_and_names()] == FTRL_MS["names"]
    # l1, l2 and lr_power by the documented rule (MindSpore 2.7.2's CPU kernel departs from it for
    # a few elements once l1 > 0)
    w, b = ftrl_params()
    opt = nn.FTRL([w, b], learning_rate=0.05, l1=0.01, l2=0.1, lr_power=-0.3)
    for t in range(3):
        opt(grads(t))
    np.testing.assert_allclose(w.asnumpy(), ftrl_reference(0.01, 0.1, -0.3), rtol=1e-5, atol=1e-7)


def test_ftrl_in_a_jitted_step_and_its_arguments():
    w, b = ftrl_params()
    opt = nn.FTRL([w, b], learning_rate=0.05)
    grad_fn = gg.value_and_grad(lambda gw, gb: (w * gw).sum() + (b * gb).sum(), None, opt.parameters)

    @gg.jit
    def step(gw, gb):
        loss, g = grad_fn(gw, gb)
        opt(g)
        return loss
    for t in range(3):
        step(*grads(t))
    check(w, b, FTRL_MS["plain"])
    with pytest.raises(ValueError, match="dynamic learning rate True and group learning rate False"):
        nn.FTRL(list(ftrl_params()), learning_rate=nn.ExponentialDecayLR(0.05, 0.5, 1))
    with pytest.raises(ValueError, match="dynamic learning rate False and group learning rate True"):
        w, b = ftrl_params()
        nn.FTRL([{"params": [w], "lr": 0.02}, {"params": [b]}], learning_rate=0.05)
    with pytest.raises(ValueError, match="'lr_power' must be float and must <= 0"):
        nn.FTRL(list(ftrl_params()), lr_power=0.5)
    with pytest.raises(TypeError, match="the type of 'l1' should be 'float', but got type 'int'"):
        nn.FTRL(list(ftrl_params()), l1=1)
