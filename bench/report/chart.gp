# bench/report/chart.gp: bench/run's chart, drawn by bench/report/make.py.
#   gnuplot -e "datafile='F'; outfile='O.png'; term='pngcairo'" chart.gp
# datafile columns: group, then requests/s of the gateway, its baseline and the fake called
# directly (2-4), then p99 ms of the same (5-7); "-" where a group has no such bar.
# One baseline column, whose meaning follows the group (nginx for pass-through, the same
# body passed through for a turn), keeps each group's bars side by side without gaps.
# Two panels, one above the other: throughput on a linear scale, p99 on a log scale (a
# 64-connection stream's p99 is tens of ms, a one-connection JSON request's well under 1).
if (term eq 'pngcairo') {
  set terminal pngcairo size 1400,1000 font "DejaVu Sans,10" noenhanced
} else {
  set terminal png size 1400,1000 noenhanced
}
set output outfile
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
# The legend is drawn as coloured text: a key would also count the value labels' plots
# (notitle or not) in its layout and spread the three entries over rows.
unset key
set label 1 "claude-gateway" at screen 0.22, 0.958 center textcolor rgb "#1f77b4" font ",11"
set label 2 "baseline: nginx proxy_pass (for turns: pass-through of the same body)" at screen 0.5, 0.958 center textcolor rgb "#ff7f0e" font ",11"
set label 3 "fake Messages API, direct" at screen 0.8, 0.958 center textcolor rgb "#7a7a7a" font ",11"
set grid ytics
set ytics nomirror
set linetype 1 lc rgb "#1f77b4"
set linetype 2 lc rgb "#ff7f0e"
set linetype 3 lc rgb "#9a9a9a"
# bar j of 3 in a cluster with gap 1 sits at x = group + (j - 1) / 4
at(j) = $0 + (j - 1) / 4.0

set multiplot layout 2,1 title "claude-gateway vs its baselines, one run on this machine\n\n "
set title "throughput: requests/s (higher is better; the fixed-rate runs show the rate achieved)"
set ylabel "requests / s"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
plot datafile using 2:xtic(1) notitle, \
     '' using 3 notitle, \
     '' using 4 notitle, \
     '' using (at(0)):2:(sprintf("%.0f", $2)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (at(1)):3:(sprintf("%.0f", $3)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (at(2)):4:(sprintf("%.0f", $4)) with labels offset 0,0.7 font ",8" notitle

set title "p99 latency: ms (lower is better; log scale)"
unset label
set ylabel "ms"
set logscale y
set yrange [*:*]
plot datafile using 5:xtic(1) notitle, \
     '' using 6 notitle, \
     '' using 7 notitle, \
     '' using (at(0)):5:(sprintf("%.2f", $5)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (at(1)):6:(sprintf("%.2f", $6)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (at(2)):7:(sprintf("%.2f", $7)) with labels offset 0,0.7 font ",8" notitle
unset multiplot
