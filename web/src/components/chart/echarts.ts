/** ECharts with only the parts HealthNet draws, so the chart chunk stays small. */
import * as echarts from 'echarts/core'
import { BarChart, LineChart, PieChart, ScatterChart, EffectScatterChart, HeatmapChart } from 'echarts/charts'
import {
  DatasetComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent,
  DataZoomComponent, MarkLineComponent, MarkAreaComponent,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([
  BarChart, LineChart, PieChart, ScatterChart, EffectScatterChart, HeatmapChart, DatasetComponent, GridComponent,
  LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent, DataZoomComponent, MarkLineComponent,
  MarkAreaComponent, CanvasRenderer,
])

export { echarts }
export type { EChartsCoreOption as ChartOption } from 'echarts/core'
