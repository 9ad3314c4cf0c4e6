(function(){
const root=document.getElementById('player');
const n=D.n, S=D.steps, speeds=D.speeds;
const [Hp,Wp,kh,kw,Ho,Wo]=D.dims;
const cellIn=(r,c)=>document.getElementById('in-'+r+'-'+c);
const cellOut=(r,c)=>document.getElementById('out-'+r+'-'+c);
const outs=S.map(s=>cellOut(s[2],s[3]));
const btnPlay=document.getElementById('btn-play'), slider=document.getElementById('slider');
const speedIn=document.getElementById('speed'), speedLabel=document.getElementById('speed-label');
const counter=document.getElementById('counter'), explain=document.getElementById('explain');
let step=D.initial, shown=n, playing=false, lit=[], speed=D.speed, peek=-1;
// every output cell starts shown; hide those not computed yet
function setShown(k){
  k=Math.max(0,Math.min(n,k));
  if(k<shown){for(let i=k;i<shown;i++) outs[i].dataset.shown='0';}
  else{for(let i=shown;i<k;i++) outs[i].dataset.shown='1';}
  shown=k;
}
function clearLit(){for(const [el,cls] of lit){el.classList.remove(cls); if(cls==='win') el.removeAttribute('data-w');} lit=[];}
function light(k){
  const s=S[k];
  s[0].forEach((r,i)=>s[1].forEach((c,j)=>{const el=cellIn(r,c); if(!el) return; el.classList.add('win'); lit.push([el,'win']);
    if(D.weights) el.setAttribute('data-w',D.weights[i][j]);}));
  const o=outs[k]; o.classList.add('cur'); lit.push([o,'cur']);
  if(s[4]>=0){const w=cellIn(s[4],s[5]); if(w){w.classList.add('best'); lit.push([w,'best']);}}
}
function paint(){
  clearLit();
  const k=peek>=0?peek:step-1;
  if(k>=0&&k<n){light(k); explain.innerHTML=D.explain[k]||'';}
  else explain.innerHTML=n? '<span class="mut">Step 0 of '+n+': nothing computed yet. Press ▶ or → to slide the window.</span>':'';
  if(peek>=0){outs[peek].classList.add('peek'); lit.push([outs[peek],'peek']);}
}
function render(){
  setShown(step);
  root.dataset.step=step;
  slider.value=step;
  counter.textContent='Step '+step+' / '+n;
  btnPlay.textContent=playing?'⏸ Pause':'▶ Play';
  btnPlay.setAttribute('aria-label',playing?'pause':'play');
  root.dataset.playing=playing?'1':'0';
  paint();
}
let urlTimer=0;
function writeUrl(){
  if(!D.param) return;
  clearTimeout(urlTimer);
  urlTimer=setTimeout(()=>{try{
    const w=window.parent; if(!w||w===window) return;
    const u=new URL(w.location.href); u.searchParams.set(D.param,String(step));
    w.history.replaceState(w.history.state,'',u.toString());
  }catch(e){}},120);
}
let t0=0, s0=0, raf=0;  // playback: start time, start step, animation frame
function stop(){if(playing){playing=false; cancelAnimationFrame(raf);}}
// Jump to step k (clamped); stops playback, and the link keeps the step.
function go(k){
  stop();
  step=Math.max(0,Math.min(n,k|0));
  render(); writeUrl();
}
function tick(t){
  if(!playing) return;
  const target=s0+Math.max(0,Math.floor((t-t0)/1000*speed));
  if(target!==step){
    if(target>=n){step=n; playing=false; render(); writeUrl(); return;}
    step=target; render();
  }
  raf=requestAnimationFrame(tick);
}
function play(){
  if(n===0) return;
  if(step>=n) step=0;
  playing=true; s0=step; t0=performance.now(); render(); raf=requestAnimationFrame(tick);
}
function pause(){stop(); render(); writeUrl();}
function toggle(){playing?pause():play();}
function setSpeed(i){
  i=Math.max(0,Math.min(speeds.length-1,i|0)); speed=speeds[i]; speedIn.value=i;
  speedLabel.textContent=speed+' steps/s';
  if(playing){s0=step; t0=performance.now();}
}
let si=0; for(let i=0;i<speeds.length;i++) if(Math.abs(speeds[i]-D.speed)<Math.abs(speeds[si]-D.speed)) si=i;
setSpeed(si);
document.getElementById('btn-reset').onclick=()=>go(0);
document.getElementById('btn-back').onclick=()=>go(step-1);
document.getElementById('btn-fwd').onclick=()=>go(step+1);
btnPlay.onclick=toggle;
slider.oninput=()=>go(+slider.value);
speedIn.oninput=()=>setSpeed(+speedIn.value);
outs.forEach((o,k)=>{
  o.addEventListener('mouseenter',()=>{peek=k; paint();});
  o.addEventListener('mouseleave',()=>{peek=-1; paint();});
  o.addEventListener('click',()=>{peek=-1; go(k+1);});
});
function onKey(e){
  if(e.ctrlKey||e.metaKey||e.altKey) return false;
  if(e.key===' '||e.key==='k'){toggle();}
  else if(e.key==='ArrowRight') go(step+1);
  else if(e.key==='ArrowLeft') go(step-1);
  else if(e.key==='Home') go(0);
  else if(e.key==='End') go(n);
  else return false;
  e.preventDefault(); return true;
}
document.addEventListener('keydown',e=>{ if(e.target&&e.target.tagName==='INPUT'&&e.target.type==='range'&&e.key.startsWith('Arrow')) return; onKey(e);});
// Keys pressed on the app page itself (nothing focused) also drive the player.
try{
  const pw=window.parent;
  if(pw&&pw!==window){
    if(pw.__cnnvizPlayerKey) pw.document.removeEventListener('keydown',pw.__cnnvizPlayerKey);
    const h=e=>{const a=pw.document.activeElement; if(a&&a!==pw.document.body) return; onKey(e);};
    pw.__cnnvizPlayerKey=h; pw.document.addEventListener('keydown',h);
    window.addEventListener('pagehide',()=>{try{if(pw.__cnnvizPlayerKey===h){pw.document.removeEventListener('keydown',h); pw.__cnnvizPlayerKey=null;}}catch(e){}});
  }
}catch(e){}
// Theme: follow the app's background (same origin), else the system setting.
function isDark(){
  if(D.theme==='dark') return true; if(D.theme==='light') return false;
  try{const app=window.parent.document.querySelector('.stApp')||window.parent.document.body;
    const m=getComputedStyle(app).backgroundColor.match(/\d+(\.\d+)?/g);
    if(m&&m.length>=3&&!(m.length===4&&+m[3]===0)) return (0.299*m[0]+0.587*m[1]+0.114*m[2])<128;}catch(e){}
  return window.matchMedia&&window.matchMedia('(prefers-color-scheme: dark)').matches;
}
function theme(){document.body.classList.toggle('dark',isDark());}
theme(); setInterval(theme,1500);
// Cell size: side by side when the grids fit, else stacked; never taller than a screenful.
const panels=document.querySelector('.panels');
function fit(){
  const W=Math.max(200,document.documentElement.clientWidth-12);
  const cols=[Wp,kw,Wo].filter(c=>c>0), rows=Math.max(Hp,kh,Ho);
  const nops=cols.length-1;
  let cs=Math.floor((W-nops*46-cols.length*4-(Wp+kw+Wo)*2)/(Wp+kw+Wo));
  let wrap=false;
  if(cs<26){wrap=true; cs=Math.floor((W-8-Math.max(...cols)*2)/Math.max(...cols));}
  cs=Math.max(14,Math.min(D.max_cell||60,cs,Math.floor(540/rows)));
  panels.classList.toggle('wrap',wrap);
  document.documentElement.style.setProperty('--cs',cs+'px');
}
fit(); window.addEventListener('resize',fit);
render();
})();
