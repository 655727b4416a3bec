"""4.4 기울기 (gradient)."""
from nbkit import IMPORTS, PREAMBLE, code, md

NAME = "4.4-gradient.ipynb"

CELLS = [
    md("""
    # 4장 신경망 학습 — 4.4 기울기 (gradient)

    4.3.3 에서는 $x_0$ 와 $x_1$ 의 편미분을 따로 계산했습니다. 이 노트북은 모든 변수의 편미분을 한꺼번에 계산하는
    **기울기(gradient)**, 그 기울기를 따라 함수의 최솟값을 찾아가는 **경사 하강법(gradient descent)**, 그리고
    신경망의 가중치에 대한 손실 함수의 기울기를 다룹니다.

    첫 셀은 `dlfs` 크레이트를 빌드해 가져옵니다(캐시가 데워져 있으면 십여 초).
    """),
    code(PREAMBLE + "\n" + IMPORTS + """

// 설정 점검: 이 노트북은 MNIST 가 필요 없습니다. 크레이트의 기울기 계산이 동작하는지만 봅니다.
let check: Array1<f64> = numerical_gradient(|x: &ArrayView1<f64>| x.sum(), &mut array![1.0, 2.0]);
println!("dlfs 준비 완료: ∇(x0 + x1) ≈ {check:.3}");"""),
    md("""
    ## 4.4 기울기 (gradient)

    $f(x_0, x_1) = x_0^2 + x_1^2$ 의 두 편미분을 벡터로 묶은 $\\left(\\frac{\\partial f}{\\partial x_0}, \\frac{\\partial f}{\\partial x_1}\\right)$ 를
    **기울기(gradient)** 라고 합니다. 수치 미분으로 구하려면, 변수를 하나씩 돌아가며 그 변수만 $\\pm h$ 만큼 움직여
    중심 차분을 계산하고, 다시 원래 값으로 되돌려 놓으면 됩니다.

    노트의 `_numerical_gradient_no_batch` 를 Rust 로 옮긴 것입니다. 노트처럼 `x` 를 제자리에서 바꿨다가 되돌리므로 `&mut` 로 받습니다.
    """),
    code("""
    fn numerical_gradient_no_batch(f: impl Fn(&ArrayView1<f64>) -> f64, x: &mut Array1<f64>) -> Array1<f64> {
        let h = 1e-4;
        let mut grad = Array1::zeros(x.len());
        for idx in 0..x.len() {
            let tmp_val = x[idx];
            x[idx] = tmp_val + h; // f(x+h)
            let fxh1 = f(&x.view());
            x[idx] = tmp_val - h; // f(x-h)
            let fxh2 = f(&x.view());
            grad[idx] = (fxh1 - fxh2) / (2.0 * h);
            x[idx] = tmp_val; // 값 복원
        }
        grad
    }

    fn function_2(x: &ArrayView1<f64>) -> f64 {
        x.mapv(|v| v * v).sum() // np.sum(x**2)
    }

    for point in [array![3.0, 4.0], array![0.0, 2.0], array![3.0, 0.0]] {
        let mut x: Array1<f64> = point.clone();
        let grad = numerical_gradient_no_batch(function_2, &mut x);
        assert_eq!(grad, numerical_gradient(function_2, &mut point.clone())); // dlfs 와 같은 값
        assert_eq!(x, point); // x 는 원래대로
        println!("numerical_gradient(function_2, {:?}) = {:?}  ≈ {:.1?}", point.to_vec(), grad.to_vec(), grad.to_vec());
    };
    """),
    md("""
    책(그리고 NumPy 의 출력)이 보여 주는 `[6. 8.]`, `[0. 4.]`, `[6. 0.]` 과 같습니다. 정확히는 6.00000000000378 처럼 아주 작은 오차가 있는데,
    NumPy 는 배열을 출력할 때 자릿수를 줄여서 보여 줄 뿐입니다.

    노트의 `numerical_gradient` 는 2차원 배열을 받으면 **각 행을 한 점으로 보고** 점마다 기울기를 구합니다(그림을 그릴 때 여러 점의 기울기를
    한 번에 구하려는 용도). 반면 `dlfs::gradient::numerical_gradient` 는 책의 `common/gradient.py` 처럼 배열 전체를 **한 점**(모든 원소가
    변수)으로 보므로 어떤 모양의 배열에도 쓸 수 있습니다. 4.4.2 에서 2×3 가중치 행렬의 기울기를 구할 때 이쪽이 필요합니다.
    노트의 "행마다" 버전도 옮겨 두겠습니다:
    """),
    code("""
    // 노트의 numerical_gradient: 2차원이면 행(점)마다 _numerical_gradient_no_batch
    fn numerical_gradient_rows(f: impl Fn(&ArrayView1<f64>) -> f64, xs: &Array2<f64>) -> Array2<f64> {
        let mut grad = Array2::zeros(xs.raw_dim());
        for (idx, x) in xs.rows().into_iter().enumerate() {
            grad.row_mut(idx).assign(&numerical_gradient_no_batch(&f, &mut x.to_owned()));
        }
        grad
    }
    let points: Array2<f64> = array![[3.0, 4.0], [0.0, 2.0], [3.0, 0.0]];
    println!("{:.1}", numerical_gradient_rows(function_2, &points));
    """),
    md("""
    기울기를 그림으로 그려 봅시다(책의 그림 4-9, 오른쪽; 왼쪽은 4.3.3 의 곡면). 격자의 각 점에서 **기울기에 마이너스를 붙인 벡터**를 화살표로 그립니다.
    화살표는 모두 함수의 가장 낮은 곳(원점)을 향하고, 원점에서 멀수록 커집니다.
    **기울기가 가리키는 쪽은 각 점에서 함수의 출력 값을 가장 크게 줄이는 방향**입니다.
    """),
    code("""
    // 왼쪽: 4.3.3 의 곡면 f(x0, x1) = x0² + x1², 오른쪽: 그 기울기에 마이너스를 붙인 벡터
    dlfs::plot::Figure::grid(vec![dlfs::plot::function_2_surface(), dlfs::plot::function_2_gradient_field()], 2)
    """),
    md("""
    ### 4.4.1 경사법(경사 하강법) (gradient method, gradient descent)

    신경망 학습의 목표는 손실 함수가 최솟값이 되는 매개변수를 찾는 것입니다. 손실 함수는 복잡해서 최솟값이 어디인지 알 수 없으니,
    **기울기를 길잡이 삼아** 현재 위치에서 기울어진 방향으로 일정 거리만큼 이동하고, 이동한 곳에서 다시 기울기를 구해 또 이동하기를
    반복합니다. 이것이 **경사법(gradient method)** 이고, 최솟값을 찾으면 경사 하강법(gradient descent), 최댓값을 찾으면 경사 상승법입니다.

    $$x_0 \\leftarrow x_0 - \\eta \\frac{\\partial f}{\\partial x_0}, \\qquad x_1 \\leftarrow x_1 - \\eta \\frac{\\partial f}{\\partial x_1}$$

    $\\eta$(eta)는 **학습률(learning rate)**: 한 번에 얼마나 이동할지입니다. 주의할 점: 기울기가 가리키는 곳에 정말 최솟값이 있는지는
    보장되지 않습니다. 기울기가 0 인 곳은 극솟값(local minimum)이나 안장점(saddle point)일 수도 있고, 평평한 고원(plateau)에서는 학습이 정체됩니다.

    노트의 `gradient_descent` 를 옮기고, `dlfs::descent::gradient_descent` 와 같은 결과인지 확인합니다. `dlfs` 판은 그림을 위해
    지나온 점들(trajectory)도 돌려줍니다.
    """),
    code("""
    fn gradient_descent_local(f: impl Fn(&ArrayView1<f64>) -> f64, init_x: &Array1<f64>, lr: f64, step_num: usize) -> Array1<f64> {
        let mut x = init_x.clone();
        for _ in 0..step_num {
            let grad = numerical_gradient_no_batch(&f, &mut x);
            x -= &(lr * &grad);
        }
        x
    }
    fn same(a: &Array1<f64>, b: &Array1<f64>) -> bool {
        a.iter().zip(b).all(|(p, q)| (p - q).abs() <= 1e-12 * q.abs().max(1e-300))
    }

    let init_x: Array1<f64> = array![-3.0, 4.0];
    let x_local: Array1<f64> = gradient_descent_local(function_2, &init_x, 0.1, 100);
    let trajectory: Vec<Array1<f64>> = {
        let descent = gradient_descent(function_2, &init_x, 0.1, 100);
        assert!(same(&x_local, &descent.x));
        println!("lr = 0.1, 100 단계: x = [{:.8e}, {:.8e}]", descent.x[0], descent.x[1]);
        descent.trajectory
    };
    println!("지나온 점: {} 개, 처음 세 점: {:?}", trajectory.len(),
             trajectory[..3].iter().map(|p| p.to_vec()).collect::<Vec<_>>());
    """),
    md("""
    (-3, 4) 에서 출발해 거의 원점(참 최솟값)에 도착했습니다. 지나온 길을 그리면 원점을 향해 곧게, 점점 보폭을 줄이며 다가갑니다(그림 4-10).
    """),
    code("""
    // (dlfs 의 Descent 값은 evcxr 가 셀 사이에 보관할 수 없는 타입이라, 그림용으로 한 번 더 계산합니다: 0.1 초도 안 걸립니다.)
    dlfs::plot::descent_path(function_2, &gradient_descent(function_2, &init_x, 0.1, 100))
    """),
    md("""
    #### 학습률이 너무 크거나 작으면 (learning rate too large or too small)

    학습률이 너무 크면 큰 값으로 **발산(diverge)** 하고, 너무 작으면 거의 **갱신되지 않은 채** 끝납니다.
    학습률처럼 사람이 직접 정해 주는 값을 **하이퍼파라미터(hyper parameter)** 라고 합니다. 가중치와 편향은 학습으로 자동으로 얻지만,
    하이퍼파라미터는 여러 값을 시험해 보며 잘 되는 값을 찾아야 합니다.
    """),
    code("""
    let big: Array1<f64> = gradient_descent(function_2, &init_x, 10.0, 100).x;
    assert!(same(&big, &gradient_descent_local(function_2, &init_x, 10.0, 100)));
    println!("lr = 10   : x = [{:.8e}, {:.8e}]   (발산)", big[0], big[1]);
    let small: Array1<f64> = gradient_descent(function_2, &init_x, 1e-10, 100).x;
    assert!(same(&small, &gradient_descent_local(function_2, &init_x, 1e-10, 100)));
    println!("lr = 1e-10: x = [{:.8}, {:.8}]   (거의 그대로)", small[0], small[1]);
    """),
    md("세 학습률의 경로를 나란히 그립니다."),
    code("""
    dlfs::plot::learning_rates(function_2, &init_x, &[10.0, 0.1, 1e-10], 100)
    """),
    md("""
    ### 4.4.2 신경망에서의 기울기 (gradient in a neural network)

    신경망 학습에서도 기울기를 구합니다. 이때의 기울기는 **가중치 매개변수에 대한 손실 함수의 기울기**입니다.
    형상이 2×3 인 가중치 $W$ 와 손실 함수 $L$ 이라면

    $$W = \\begin{pmatrix} w_{11} & w_{12} & w_{13} \\\\ w_{21} & w_{22} & w_{23} \\end{pmatrix}, \\qquad
      \\frac{\\partial L}{\\partial W} = \\begin{pmatrix} \\frac{\\partial L}{\\partial w_{11}} & \\frac{\\partial L}{\\partial w_{12}} & \\frac{\\partial L}{\\partial w_{13}} \\\\
      \\frac{\\partial L}{\\partial w_{21}} & \\frac{\\partial L}{\\partial w_{22}} & \\frac{\\partial L}{\\partial w_{23}} \\end{pmatrix}$$

    $\\frac{\\partial L}{\\partial W}$ 의 각 원소는 그 가중치를 조금 바꿨을 때 손실이 얼마나 변하는지이고, 형상은 $W$ 와 같습니다.

    출력층에는 소프트맥스(softmax)가 필요합니다:
    $y_k = \\dfrac{\\exp(a_k - c)}{\\sum_i \\exp(a_i - c)}$, $c = \\max_i a_i$. $c$ 를 빼도 값은 같고, $\\exp$ 의 오버플로(overflow)만 막아 줍니다.
    """),
    md("""
    > ⚠️ **노트의 버그**: 노트의 `softmax` 는 `sum_exp_x = np.sum(exp_x - c)` 로, 이미 $\\exp(a - c)$ 를 계산한 뒤에 합에서
    > $c$ 를 **한 번 더** 뺍니다. 그러면 합이 (원소 수 × $c$) 만큼 줄어서 출력의 합이 1 이 아니게 되고, 음수 "확률"이 나오기도 합니다.
    > 올바른 코드는 `sum_exp_x = np.sum(exp_x)` 입니다.
    """),
    code("""
    fn softmax_local(a: &Array1<f64>) -> Array1<f64> {
        let c = a.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let exp_a = a.mapv(|v| (v - c).exp()); // 오버플로 대책
        let sum_exp_a = exp_a.sum();
        exp_a / sum_exp_a
    }
    fn softmax_notes(a: &Array1<f64>) -> Array1<f64> {
        let c = a.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let exp_a = a.mapv(|v| (v - c).exp());
        let sum_exp_a = (&exp_a - c).sum(); // ← 노트: np.sum(exp_x - c)
        exp_a / sum_exp_a
    }
    let a: Array1<f64> = array![0.3, 2.9, 4.0]; // 책 3.5.1 의 예
    let right: Array1<f64> = softmax_local(&a);
    assert!((&right - &softmax(&a)).iter().all(|d| d.abs() < 1e-15)); // dlfs 와 같은 값
    let wrong: Array1<f64> = softmax_notes(&a);
    println!("올바른 softmax: {right:.8}  합 = {:.6}", right.sum());
    println!("노트의 softmax: {wrong:.8}  합 = {:.6}", wrong.sum());
    """),
    md("""
    이제 책의 `simpleNet` 입니다. 가중치는 2×3 행렬 `W` 하나뿐이고, `predict(x) = x · W`, `loss(x, t)` 는 `predict` 의 결과에
    소프트맥스를 적용한 뒤의 교차 엔트로피 오차입니다. 노트의 클래스를 Rust 구조체로 옮기고 `dlfs::net::SimpleNet` 과 비교합니다.
    노트의 `np.random.randn(2, 3)` 대신 `SimpleNet::new(seed)` 는 **시드를 고정한** 표준정규분포 난수로 가중치를 만듭니다.
    """),
    code("""
    struct SimpleNetLocal {
        w: Array2<f64>,
    }
    impl SimpleNetLocal {
        fn predict(&self, x: &Array1<f64>) -> Array1<f64> {
            x.dot(&self.w)
        }
        fn loss(&self, x: &Array1<f64>, t: &Array1<f64>) -> dlfs::Result<f64> {
            let z = self.predict(x);
            let y = softmax_local(&z);
            cross_entropy_error(&y, t)
        }
    }

    let net = SimpleNet::new(0); // 시드 0
    let local = SimpleNetLocal { w: net.w.clone() };
    println!("W =\\n{:.8}", net.w);
    let x: Array1<f64> = array![0.6, 0.9];
    let p: Array1<f64> = local.predict(&x);
    println!("predict = {p:.8}");
    println!("argmax = {}", argmax(p.iter()));
    let t: Array1<f64> = array![0.0, 0.0, 1.0]; // 정답 레이블
    let loss = local.loss(&x, &t)?;
    assert!((loss - net.loss(&x, &t)?).abs() < 1e-12);
    println!("loss = {loss:?}");
    """),
    md("""
    > ⚠️ **노트의 버그 (4.2.4 의 것이 여기서 드러남)**: 노트의 `net.loss(x, y)` 출력은 `-9.999999505838704e-08` 입니다.
    > 교차 엔트로피 오차는 음수가 될 수 없습니다. 노트의 `cross_entropy_error1` 이 1차원 입력에서 예측을 정답으로 덮어써서
    > ($y_{pred} \\leftarrow y$) $-\\log(1 + 10^{-7})$ 을 계산했기 때문입니다. 어떤 가중치를 쓰든 이 값이 나옵니다.

    아래는 책이 보여 준 가중치로 노트의 (버그가 있는) 손실과 `dlfs` 의 손실을 비교한 것입니다.
    """),
    code("""
    // 노트의 cross_entropy_error1 그대로: 1차원이면 y_pred 자리에 정답이 들어간다
    fn cross_entropy_error1_notes(_y_pred: &Array1<f64>, y: &Array1<f64>) -> f64 {
        let y_pred = y.clone(); // ← y_pred = y.reshape(1, y_pred.size)
        -(y * &y_pred.mapv(|v| (v + 1e-7).ln())).sum()
    }
    // 책이 출력한 가중치
    let book_net = SimpleNet::from_weights(array![[0.47355232, 0.9977393, 0.84668094],
                                                  [0.85557411, 0.03563661, 0.69422093]])?;
    let p: Array1<f64> = book_net.predict(&x)?.into_dimensionality()?;
    let y_prob: Array1<f64> = softmax(&p);
    println!("predict  = {p:.8}");
    println!("argmax   = {}", argmax(p.iter()));
    println!("노트의 loss (버그) = {:?}", cross_entropy_error1_notes(&y_prob, &t));
    println!("dlfs 의 loss      = {:.9}", book_net.loss(&x, &t)?);
    """),
    md("""
    이제 기울기입니다. 책처럼 "가중치 `W` 를 받아 손실을 돌려주는 함수" `f(W) = net.loss(x, t)` 를 만들어
    `numerical_gradient(f, W)` 에 넘깁니다. `numerical_gradient` 가 `W` 의 원소를 하나씩 $\\pm h$ 만큼 바꿔 가며 `f` 를 부르므로,
    `f` 는 **넘겨받은** 가중치로 손실을 계산해야 합니다. `SimpleNet::numerical_gradient` 가 같은 일을 합니다.
    """),
    code("""
    let mut w: Array2<f64> = book_net.w.clone();
    let dw: Array2<f64> = numerical_gradient(
        |w: &ArrayView2<f64>| SimpleNet { w: w.to_owned() }.loss(&x, &t).unwrap_or(f64::NAN),
        &mut w,
    );
    let dw_net: Array2<f64> = book_net.numerical_gradient(&x, &t)?;
    assert!((&dw - &dw_net).iter().all(|d| d.abs() < 1e-12));
    println!("dW =\\n{dw:.8}");
    """),
    md("""
    $\\frac{\\partial L}{\\partial W}$ 의 $\\frac{\\partial L}{\\partial w_{11}}$ 은 약 0.2 입니다. $w_{11}$ 을 $h$ 만큼 늘리면 손실이 $0.2h$ 만큼
    **늘어난다**는 뜻이므로, $w_{11}$ 은 **음의 방향**으로 갱신해야 합니다. 반대로 $\\frac{\\partial L}{\\partial w_{23}}$ 은 약 $-0.5$ 라서,
    $w_{23}$ 을 늘리면 손실이 줄어듭니다. 또 $w_{23}$ 쪽이 $w_{11}$ 쪽보다 손실에 더 크게 기여합니다.

    기울기를 구했으니, 이제 경사법으로 가중치를 갱신하면 됩니다. 그것이 다음 절(4.5)의 학습 알고리즘입니다.
    """),
]
