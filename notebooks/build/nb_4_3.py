"""4.3 수치 미분 (numerical differentiation)."""
from nbkit import IMPORTS, PREAMBLE, code, md

NAME = "4.3-numerical-differentiation.ipynb"

CELLS = [
    md("""
    # 4장 신경망 학습 — 4.3 수치 미분 (numerical differentiation)

    4.2.5 에서 본 것처럼, 신경망은 손실 함수의 **미분**을 길잡이 삼아 매개변수를 고칩니다. 이 노트북은 그 미분을
    컴퓨터로 **근사적으로** 계산하는 방법, 수치 미분을 다룹니다. 강의 노트가 "책 참고"로 남긴 4.3.2 와 4.3.3 은 그림과 함께 풀어 씁니다.

    첫 셀은 `dlfs` 크레이트를 빌드해 가져옵니다(캐시가 데워져 있으면 십여 초).
    """),
    code(PREAMBLE + "\n" + IMPORTS + """

// 설정 점검: 이 노트북은 MNIST 가 필요 없습니다. 크레이트의 수치 미분이 동작하는지만 봅니다.
let slope = numerical_diff(|x| x * x, 3.0);
println!("dlfs 준비 완료: d(x²)/dx at x=3 ≈ {slope:.6}");"""),
    md("""
    ## 4.3 수치 미분 (numerical differentiation)

    ### 4.3.1 미분 (derivative)

    미분은 "한순간의 변화량"입니다. 함수 $f$ 의 $x$ 에서의 미분은

    $$\\frac{df(x)}{dx} = \\lim_{h \\to 0} \\frac{f(x+h) - f(x)}{h}$$

    $x$ 를 아주 조금($h$) 바꿨을 때 $f(x)$ 가 얼마나 바뀌는지, 그 비율의 극한입니다. 컴퓨터는 $h \\to 0$ 의 극한을 계산할 수 없으니
    작은 $h$ 로 **차분(difference)** 을 계산해서 근사합니다. 이것이 **수치 미분(numerical differentiation)** 이고,
    수식을 전개해서 정확히 구하는 것은 **해석적 미분(analytic differentiation)** 이라고 합니다.

    책과 노트의 구현은 $x$ 의 앞뒤 두 점을 쓰는 **중심 차분(central difference)** 입니다:

    $$\\frac{df(x)}{dx} \\approx \\frac{f(x+h) - f(x-h)}{2h}, \\qquad h = 10^{-4}$$
    """),
    md("""
    > ⚠️ **노트의 버그**: 노트의 `numerical_diff` 는 `return (f(x+h) - f(x-h) / (2 * h))` 로, 괄호가 잘못 닫혀서
    > `f(x-h)` 만 `2h` 로 나눕니다. 올바른 식은 `(f(x+h) - f(x-h)) / (2*h)` 입니다.

    아래 셀은 두 식을 모두 Rust 로 옮겨서, 4.3.2 의 함수 $f(x) = 0.01x^2 + 0.1x$ (참 기울기: $x=5$ 에서 0.2)에 적용합니다.
    올바른 식은 `dlfs::gradient::numerical_diff` 와 같은 값을 내는지도 확인합니다.
    """),
    code("""
    // 노트 그대로 (괄호 버그): f(x+h) - (f(x-h) / 2h)
    fn numerical_diff_notes(f: impl Fn(f64) -> f64, x: f64) -> f64 {
        let h = 1e-4;
        f(x + h) - f(x - h) / (2.0 * h)
    }
    // 올바른 중심 차분: (f(x+h) - f(x-h)) / 2h
    fn numerical_diff_local(f: impl Fn(f64) -> f64, x: f64) -> f64 {
        let h = 1e-4;
        (f(x + h) - f(x - h)) / (2.0 * h)
    }
    fn function_1(x: f64) -> f64 {
        0.01 * x.powi(2) + 0.1 * x // 책: 0.01*x**2 + 0.1*x
    }

    assert_eq!(numerical_diff_local(function_1, 5.0), numerical_diff(function_1, 5.0));
    println!("노트의 식 (버그): {:?}", numerical_diff_notes(function_1, 5.0));
    println!("올바른 식       : {:?}", numerical_diff_local(function_1, 5.0));
    println!("참값 (해석적)   : 0.2");
    """),
    md("""
    #### 왜 h = 1e-4 인가: 반올림 오차 (rounding error)

    $h$ 는 작을수록 좋을 것 같지만, 책이 지적하듯 `h = 1e-50` 같은 값은 **반올림 오차** 때문에 실패합니다.
    책의 예는 `np.float32(1e-50)` 이 `0.0` 이 된다는 것입니다. 32비트 부동소수점(f32)이 나타낼 수 있는 가장 작은 양수는
    약 $1.4 \\times 10^{-45}$ 이라서, $10^{-50}$ 은 0 으로 반올림됩니다. 그러면 분모 $2h$ 가 0 이 되어 미분은 NaN 이 됩니다.

    64비트(f64, 이 노트북의 기본)에서는 $10^{-50}$ 자체는 표현되지만, 이번에는 $x + h$ 가 문제입니다: f64 의 유효숫자는 약 16자리라서
    $5 + 10^{-50}$ 은 그냥 $5$ 입니다. 그러면 $f(x+h) - f(x-h) = 0$ 이 되어 기울기가 0 으로 나옵니다.
    """),
    code("""
    let h32 = 1e-50_f64 as f32; // np.float32(1e-50)
    println!("1e-50 을 f32 로: {h32:?}");
    let x32 = 5.0_f32;
    fn function_1_f32(x: f32) -> f32 {
        0.01 * x.powi(2) + 0.1 * x
    }
    let slope32 = (function_1_f32(x32 + h32) - function_1_f32(x32 - h32)) / (2.0 * h32);
    println!("f32, h = 1e-50: 기울기 = {slope32:?}   (0/0)");

    let h = 1e-50_f64;
    println!("f64 에서 5 + 1e-50 == 5 ? {}", 5.0 + h == 5.0);
    println!("f64, h = 1e-50: 기울기 = {:?}", (function_1(5.0 + h) - function_1(5.0 - h)) / (2.0 * h));
    """),
    md("""
    #### 왜 중심 차분인가: 전방 차분과 비교 (forward vs central difference)

    정의 그대로의 $\\frac{f(x+h) - f(x)}{h}$ 는 **전방 차분(forward difference)** 입니다. 이것은 $x$ 와 $x+h$ 사이의 기울기라서,
    $h$ 가 0 이 아닌 한 $x$ 에서의 접선 기울기와 어긋납니다(테일러 전개로 오차가 $h$ 에 비례). 중심 차분은 $x$ 를 가운데 두고
    $x-h$ 와 $x+h$ 의 기울기를 재므로 그 오차가 $h^2$ 에 비례해서 훨씬 작습니다. 특히 2차 함수에서는 중심 차분의 절단 오차가 정확히 0 이라
    반올림 오차만 남습니다.

    아래 표는 $x = 5$ 에서 참값 0.2 와의 오차를 $h$ 별로 비교합니다. $h$ 를 줄이면 전방 차분의 오차는 $0.01h$ 로 줄다가, 너무 작아지면
    (1e-12 근처) 두 방법 모두 반올림 오차 때문에 다시 커집니다. 그래서 책은 $10^{-4}$ 정도를 권합니다.
    """),
    code("""
    fn forward_diff(f: impl Fn(f64) -> f64, x: f64, h: f64) -> f64 {
        (f(x + h) - f(x)) / h
    }
    fn central_diff(f: impl Fn(f64) -> f64, x: f64, h: f64) -> f64 {
        (f(x + h) - f(x - h)) / (2.0 * h)
    }
    println!("{:>8} | {:>14} | {:>14}", "h", "forward error", "central error");
    for k in [1, 2, 4, 6, 8, 10, 12] {
        let h = 10f64.powi(-k);
        let fwd = (forward_diff(function_1, 5.0, h) - 0.2).abs();
        let cen = (central_diff(function_1, 5.0, h) - 0.2).abs();
        println!("{:>8} | {:>14.3e} | {:>14.3e}", format!("1e-{k}"), fwd, cen);
    };
    """),
    md("""
    ### 4.3.2 수치 미분의 예 (an example of numerical differentiation)

    *(노트: 책 참고 — 여기서 풀어 씁니다.)*

    책은 간단한 2차 함수

    $$y = 0.01x^2 + 0.1x$$

    를 예로 듭니다. 위에서 정의한 `function_1` 입니다. 먼저 $0 \\le x \\le 20$ 에서 그래프와, $x = 5$, $x = 10$ 에서의
    접선(tangent line)을 그립니다. 접선의 기울기는 수치 미분으로 구합니다.
    """),
    code("""
    dlfs::plot::function_1_tangents()
    """),
    md("""
    $x = 5$ 와 $x = 10$ 에서의 수치 미분입니다. 해석적으로는 $\\frac{df(x)}{dx} = 0.02x + 0.1$ 이므로 참값은 각각 0.2 와 0.3 입니다.
    수치 미분의 결과는 오차가 $10^{-12}$ 수준이라, 사실상 같은 값입니다.
    """),
    code("""
    let d5 = numerical_diff(function_1, 5.0);
    let d10 = numerical_diff(function_1, 10.0);
    println!("numerical_diff(function_1, 5)  = {d5:?}   (참값 0.2)");
    println!("numerical_diff(function_1, 10) = {d10:?}   (참값 0.3)");
    """),
    md("""
    그림의 접선은 책의 `tangent_line` 처럼 만듭니다: 기울기 $d$ 를 수치 미분으로 구하고, 점 $(x, f(x))$ 를 지나도록
    절편을 $f(x) - d \\cdot x$ 로 잡습니다. 즉 접선은 $y = d \\cdot t + (f(x) - d x)$ 입니다.
    """),
    code("""
    /// x 에서의 접선 y = d·t + b 의 (기울기 d, 절편 b)
    fn tangent_line(f: impl Fn(f64) -> f64, x: f64) -> (f64, f64) {
        let d = numerical_diff(&f, x);
        (d, f(x) - d * x)
    }
    for x in [5.0, 10.0] {
        let (d, b) = tangent_line(function_1, x);
        println!("x = {x:>4}: 접선 y = {d:.4}·t + ({b:.4})");
    };
    """),
    md("""
    ### 4.3.3 편미분 (partial derivative)

    *(노트: 책 참고 — 여기서 풀어 씁니다.)*

    이번에는 변수가 두 개인 함수입니다:

    $$f(x_0, x_1) = x_0^2 + x_1^2$$

    그래프는 원점에서 가장 낮은 그릇 모양의 3차원 곡면입니다(책의 그림 4-8).
    """),
    code("""
    fn function_2(x: &ArrayView1<f64>) -> f64 {
        x[0] * x[0] + x[1] * x[1] // np.sum(x**2) 와 같다
    }
    dlfs::plot::function_2_surface()
    """),
    md("""
    변수가 여럿인 함수의 미분은 "어느 변수에 대한 미분인가"를 정해야 합니다. 변수 하나에 대해서만 미분하고 나머지는 상수로
    고정하는 것이 **편미분(partial derivative)** 이고, $\\frac{\\partial f}{\\partial x_0}$, $\\frac{\\partial f}{\\partial x_1}$ 처럼 씁니다.

    수치 미분으로 구하려면, 다른 변수를 그 값에 고정한 **변수 하나짜리 함수**를 새로 만들어 `numerical_diff` 에 넘기면 됩니다.

    - 문제 1: $x_0 = 3, x_1 = 4$ 일 때 $\\frac{\\partial f}{\\partial x_0}$ → $x_1 = 4$ 를 고정한 `function_tmp1(x0) = x0² + 4²`
    - 문제 2: $x_0 = 3, x_1 = 4$ 일 때 $\\frac{\\partial f}{\\partial x_1}$ → $x_0 = 3$ 을 고정한 `function_tmp2(x1) = 3² + x1²`

    해석적으로는 $\\frac{\\partial f}{\\partial x_0} = 2x_0 = 6$, $\\frac{\\partial f}{\\partial x_1} = 2x_1 = 8$ 입니다.
    """),
    code("""
    fn function_tmp1(x0: f64) -> f64 {
        x0 * x0 + 4.0_f64.powi(2)
    }
    fn function_tmp2(x1: f64) -> f64 {
        3.0_f64.powi(2) + x1 * x1
    }
    println!("∂f/∂x0 at (3, 4) = {:?}   (참값 6)", numerical_diff(function_tmp1, 3.0));
    println!("∂f/∂x1 at (3, 4) = {:?}   (참값 8)", numerical_diff(function_tmp2, 4.0));
    """),
    md("""
    이렇게 변수마다 따로 구하는 대신, **모든 변수의 편미분을 한꺼번에** 벡터로 묶은 것이 다음 절(4.4)의 **기울기(gradient)** 입니다.
    """),
]
