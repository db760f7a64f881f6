/// The dashboard page's style sheet: a dark theme for a cockpit, tiles in a responsive grid beside
/// the standings in landscape and above them in portrait.
///
/// Values use tabular figures in fixed, `contain`ed boxes and bars move with `transform`, so a
/// changing value never re-flows the page: a layout pass stays inside the changed value's box.
enum DashboardStyle {
    static let source = #"""
:root{--bg:#06080b;--panel:#10151c;--panel2:#161d26;--line:#222c38;--text:#eef3f8;--muted:#8a98aa;--accent:#4aa3ff;
--ok:#35d07f;--warn:#ffb020;--bad:#ff5252;color-scheme:dark}
*{box-sizing:border-box}
html,body{margin:0;height:100%;background:var(--bg);color:var(--text);
font:16px/1.3 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;-webkit-text-size-adjust:100%}
body{display:flex;flex-direction:column;height:100vh;height:100dvh;overflow:hidden}
button,input{font:inherit;color:inherit}
button{background:var(--panel2);border:1px solid var(--line);border-radius:.5rem;padding:.45rem .9rem;cursor:pointer;
touch-action:manipulation}
button:active{background:#223043}
[hidden]{display:none!important}
header{display:flex;align-items:center;gap:.5rem;padding:.45rem .7rem;background:var(--panel);border-bottom:1px solid var(--line);
padding-top:max(.45rem,env(safe-area-inset-top));padding-left:max(.7rem,env(safe-area-inset-left));
padding-right:max(.7rem,env(safe-area-inset-right));flex-wrap:wrap}
.brand{font-weight:700;letter-spacing:.02em;margin-right:.2rem}
.pill,.src{display:inline-flex;align-items:center;gap:.4rem;padding:.2rem .65rem;border-radius:1rem;background:var(--panel2);
border:1px solid var(--line);font-size:.85rem;white-space:nowrap}
.pill i,.src i{width:.6rem;height:.6rem;border-radius:50%;background:var(--muted)}
#conn[data-state=live] i{background:var(--ok);box-shadow:0 0 .5rem var(--ok)}
#conn[data-state=wait] i{background:var(--warn)}
#conn[data-state=off] i{background:var(--bad)}
#conn[data-state=off]{color:#ffb3b3}
.src.on i{background:var(--ok)}
.src:not(.on){color:var(--muted)}
#sources{display:flex;gap:.35rem;flex-wrap:wrap}
#track{color:var(--muted);font-size:.9rem;margin-left:auto;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#edit{margin-left:.3rem}
#track:empty+#edit{margin-left:auto}
#notice{padding:.45rem .8rem;background:#3a2a08;color:#ffe2a8;font-size:.9rem;border-bottom:1px solid #5a4210}
#notice form{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
#notice input{background:var(--bg);border:1px solid var(--line);border-radius:.4rem;padding:.35rem .5rem}
main{flex:1;display:grid;grid-template-columns:minmax(0,1fr) minmax(17rem,34%);gap:.6rem;padding:.6rem;min-height:0;
padding-left:max(.6rem,env(safe-area-inset-left));padding-right:max(.6rem,env(safe-area-inset-right));
padding-bottom:max(.6rem,env(safe-area-inset-bottom))}
.solo main{grid-template-columns:minmax(0,1fr)}
#tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(10.5rem,1fr));grid-auto-rows:auto;
grid-auto-flow:row dense;gap:.6rem;align-content:start;overflow-y:auto;min-height:0;overscroll-behavior:contain}
.tile{position:relative;display:flex;flex-direction:column;gap:.25rem;min-width:0;min-height:8rem;padding:.55rem .75rem .5rem;
background:var(--panel);border:1px solid var(--line);border-radius:.8rem;contain:layout paint;transition:opacity .3s}
.tile.wide{grid-column:span 2}
.head{display:flex;justify-content:space-between;gap:.5rem;font-size:.85rem;color:var(--muted);white-space:nowrap}
.head .name{overflow:hidden;text-overflow:ellipsis;font-weight:600;letter-spacing:.03em;text-transform:uppercase}
.val{flex:none;height:1.1em;font-size:clamp(2.2rem,5.2vw,3.6rem);font-weight:700;line-height:1.1;
font-variant-numeric:tabular-nums;white-space:nowrap;overflow:hidden;contain:strict}
.gear .val{flex:1;display:flex;align-items:center;justify-content:center;font-size:clamp(3.6rem,9vw,5.6rem)}
.wide .val{font-size:clamp(2.4rem,6vw,4rem)}
.time .val{font-size:clamp(1.7rem,3.9vw,2.6rem);margin-top:.3rem}
.text .val{height:auto;font-size:clamp(1.2rem,2.6vw,1.6rem);white-space:normal;contain:none}
.missing .val{color:var(--muted)}
.bar,.prog{flex:none;display:block;height:.55rem;background:#05070a;border-radius:.3rem;overflow:hidden}
.bar i,.prog i{display:block;height:100%;background:var(--accent);transform:scaleX(0);transform-origin:0 50%;will-change:transform}
.hot{border-color:var(--bad)}
.hot .bar i{background:var(--bad)!important}
.hot .val{color:#ff8a8a}
canvas{flex:none;display:block;width:100%;height:2.3rem;margin-top:auto}
.stale .tile{opacity:.55}
.empty{grid-column:1/-1;padding:2rem;text-align:center;color:var(--muted)}
#standings{display:flex;flex-direction:column;min-height:0;background:var(--panel);border:1px solid var(--line);
border-radius:.8rem;overflow:hidden}
#standings h2{margin:0;padding:.55rem .75rem;font-size:.85rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;
border-bottom:1px solid var(--line)}
#rows{overflow-y:auto;flex:1;overscroll-behavior:contain}
.row{position:relative;display:grid;grid-template-columns:1.7rem 2.3rem minmax(0,1fr) 2.4rem 4.3rem;align-items:center;
gap:.4rem;padding:.32rem .7rem;font-size:.95rem;font-variant-numeric:tabular-nums;border-bottom:1px solid #19212b;
contain:layout paint}
.row .pos{font-weight:700;text-align:right}
.row .num,.row .lap{color:var(--muted);font-size:.85rem}
.row .name{font-weight:500;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.row .last{text-align:right;font-size:.85rem}
.row .prog{position:absolute;left:0;right:0;bottom:-1px;height:2px;border-radius:0;background:none}
.row .prog i{background:#3d4a5b}
.row.me{background:#13314f}
.row.me .prog i{background:var(--accent)}
.row.pit .name{color:var(--warn)}
.row .gap{display:none;text-align:right;font-size:.85rem}
#standings.gaps .row{grid-template-columns:1.7rem 2.3rem minmax(0,1fr) 4.3rem 3rem 2.6rem;gap:.3rem}
#standings.gaps .row .gap{display:block}
#standings.gaps #rows .lap{display:none}
.row .gap.ahead{color:var(--muted)}
#relative{flex:none;border-bottom:1px solid var(--line)}
#standings #relative .row{grid-template-columns:1.7rem 2.3rem minmax(0,1fr) 2rem 3.6rem}
#relative .row .gap{display:block;font-weight:600}
#relative .pit{color:var(--warn);font-size:.75rem;font-weight:700}
#relative .row.lapping .name,#relative .row.lapping .gap{color:#ff8a8a}
#relative .row.lapped .name,#relative .row.lapped .gap{color:#7fbcff}
.fuel .add{margin-top:auto;color:var(--muted);font-size:1.05rem;font-variant-numeric:tabular-nums;white-space:nowrap}
#picker{position:fixed;inset:0;background:rgba(0,0,0,.6);display:flex;justify-content:center;align-items:flex-start;
padding:max(1rem,env(safe-area-inset-top)) 1rem 1rem;z-index:10}
.sheet{width:min(46rem,100%);max-height:100%;display:flex;flex-direction:column;background:var(--panel);border:1px solid var(--line);
border-radius:.9rem;overflow:hidden}
.tools{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;padding:.7rem;border-bottom:1px solid var(--line)}
#search{flex:1 1 12rem;min-width:0;background:var(--bg);border:1px solid var(--line);border-radius:.5rem;padding:.5rem .7rem;
font-size:1rem}
.tools label{display:flex;gap:.3rem;align-items:center;color:var(--muted);font-size:.9rem}
#speed{display:flex}
#speed button{border-radius:0;padding:.45rem .6rem;font-size:.85rem}
#speed button:first-child{border-radius:.5rem 0 0 .5rem}
#speed button:last-child{border-radius:0 .5rem .5rem 0}
#speed .on,.opt.on{background:#17406a;border-color:#2b6cb0}
#done{background:#1f5fa0;border-color:#2b6cb0;font-weight:600}
#count{padding:.35rem .8rem;color:var(--muted);font-size:.85rem}
#list{overflow-y:auto;padding:0 .7rem .7rem;display:grid;gap:.35rem;overscroll-behavior:contain}
.opt{display:grid;grid-template-columns:auto 1fr;gap:0 .6rem;text-align:left;padding:.45rem .7rem}
.opt .u{color:var(--muted);font-size:.85rem;justify-self:end}
.opt small{grid-column:1/-1;color:var(--muted);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.muted{color:var(--muted)}
@media (orientation:portrait),(max-width:44rem){
main{grid-template-columns:minmax(0,1fr);grid-template-rows:auto minmax(14rem,1fr);overflow-y:auto}
.solo main{grid-template-rows:auto}
#tiles{overflow:visible;min-height:auto}
}
@media (max-width:30rem){
#tiles{grid-template-columns:repeat(2,minmax(0,1fr))}
.tile{min-height:6.5rem}
.val{font-size:2.4rem}
.brand{display:none}
}
"""#
}
